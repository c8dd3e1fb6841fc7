package accounts

import "strings"

// commonPasswords are frequently breached passwords of 8+ characters (from
// the public top-lists such as SecLists' 10k most common), checked
// case-insensitively as NIST SP 800-63B §5.1.1.2 asks. A small embedded list
// keeps the check offline; the rate limits do the rest.
var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range strings.Fields(`
12345678 123456789 1234567890 12345678910 password password1 password12 password123 passw0rd
p@ssw0rd p@ssword qwertyuiop qwerty123 qwerty12 qwertyui 1q2w3e4r 1q2w3e4r5t 1qaz2wsx
zaq12wsx asdfghjkl asdfasdf iloveyou iloveyou1 11111111 00000000 88888888 87654321
abcd1234 abc12345 abcdefgh football baseball basketball superman batman123 sunshine
princess trustno1 welcome1 welcome123 whatever starwars dragon123 letmein1 letmein123
computer michelle jennifer jordan23 corvette mercedes mustang1 harley123 internet
master123 monkey123 shadow123 charlie1 freedom1 changeme changeme1 administrator admin123
adminadmin rootroot secret123 q1w2e3r4 q1w2e3r4t5 a1b2c3d4 1234qwer 12341234 11223344
123123123 123321123 987654321 55555555 66666666 77777777 99999999 12121212 qazwsxedc
zxcvbnm1 zxcvbnmm edgeflix edgeflix1 netflix1 netflix123 samsung1 google123 hello123
test1234 testtest guest123 default1 access14 pokemon1 naruto123 liverpool chelsea1
arsenal1 manchester blink182 metallica slipknot yankees1 cowboys1 steelers eagles12
`) {
		m[p] = true
	}
	return m
}()

// isCommonPassword reports whether p is on the embedded list, ignoring case.
func isCommonPassword(p string) bool { return commonPasswords[strings.ToLower(p)] }
