// Package contract is what edgeflix's tiers agree on, in one place: the
// device caps a playback token carries and their X-Edgeflix-Caps header
// form, the codec families and device classes they name, the header and
// claim names shared between origin, edge and module, the issuer and
// audience defaults, the edge module's configuration document and gate
// result, and the content types of media files (docs/CONTRACTS.md,
// wasm/ABI.md).
//
// The edge module (wasm/) imports it, so it stays small: no fmt, no
// reflection, no encoding packages, no unicode tables. Struct tags are
// only read by the origin's and player's encoding/json.
package contract

// Header names shared between tiers.
const (
	// CapsHeader carries the caps (Caps.Header) from the gate to the
	// origin-request function and the origin, on master playlist fetches.
	CapsHeader = "X-Edgeflix-Caps"
	// ProofHeader carries the gate's proof that it admitted a request for
	// this path (internal/edgeproof) to the origin, which serves /v1/media/
	// only with a valid one.
	ProofHeader = "X-Edgeflix-Proof"
	// OriginVerifyHeader carries the edge-to-origin secret of the API
	// behaviours (the Terraform api_origin_header_name default); it is no
	// proof for media.
	OriginVerifyHeader = "X-Origin-Verify"
)

// Defaults of the playback token's issuer and audience and of the clock
// skew the edge allows, shared by origin, edge, CLI and the CloudFront
// bundle. The leeway is part of the revocation bound: a playback token is
// served until its exp plus the leeway (docs/CONTRACTS.md), so it stays
// small; hosts keep their clocks within it by NTP.
const (
	DefaultIssuer        = "edgeflix-origin"
	DefaultAudience      = "edgeflix-edge"
	DefaultLeewaySeconds = 15
)

// Claim names of a playback token (docs/CONTRACTS.md).
const (
	ClaimIssuer    = "iss"
	ClaimAudience  = "aud"
	ClaimSubject   = "sub"
	ClaimSession   = "sid"
	ClaimIssuedAt  = "iat"
	ClaimNotBefore = "nbf"
	ClaimExpires   = "exp"
	ClaimID        = "jti"
	ClaimPrefix    = "pfx"
	ClaimDevice    = "dev"
)

// PlaybackClaimNames are every claim a playback token may hold.
var PlaybackClaimNames = []string{ClaimIssuer, ClaimAudience, ClaimSubject, ClaimSession, ClaimIssuedAt,
	ClaimNotBefore, ClaimExpires, ClaimID, ClaimPrefix, ClaimDevice}

// Member names of the caps, the same in the dev claim object and in the
// X-Edgeflix-Caps header.
const (
	FieldClass      = "cls"
	FieldMaxHeight  = "mh"
	FieldMaxBitrate = "mbr"
	FieldCodecs     = "cdc"
	FieldHDR        = "hdr"
	// FieldRenditions is a dev claim member only (Caps.Renditions).
	FieldRenditions = "rnd"
)

// CapsFieldNames are the caps' member names, in header order.
var CapsFieldNames = []string{FieldClass, FieldMaxHeight, FieldMaxBitrate, FieldCodecs, FieldHDR}

// DeviceClaimNames are the dev claim's member names: the caps' and rnd.
var DeviceClaimNames = []string{FieldClass, FieldMaxHeight, FieldMaxBitrate, FieldCodecs, FieldHDR, FieldRenditions}

// Folders of an asset that hold its alternate renditions (origin/ingest's
// layout: audio/<lang>/, subs/<lang>/); a session that may fetch anything
// may fetch these, so the origin lists them in rnd beside the video
// renditions.
const (
	AudioFolder    = "audio"
	SubtitleFolder = "subs"
)
