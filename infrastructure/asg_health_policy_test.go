package infrastructure_test

import (
	"strings"
	"testing"
)

// The ASG's own health signal (RATIONALE.md: "Why does the ASG use EC2
// health checks while the ALB checks /readyz?").

func init() {
	checkers["asg-health-check"] = checkASGHealthCheck
}

// checkASGHealthCheck: no autoscaling group replaces instances on its
// target groups' health. Those check /readyz (alb-health-check), which
// touches MySQL and Redis, so a shared-store outage would mark every
// instance unhealthy and the group would replace the whole fleet in a loop.
// health_check_type must be "EC2" (or absent: EC2 is the default); a hung
// origin is restarted on its instance by the /livez watchdog in user_data.
func checkASGHealthCheck(files []*tfFile, r *report) {
	for _, asg := range topBlocks(files, "resource", "aws_autoscaling_group") {
		r.examined++
		a, ok := asg.body.Attributes["health_check_type"]
		if !ok {
			continue
		}
		v, present, isStatic := staticString(asg.body, "health_check_type")
		switch {
		case present && !isStatic:
			r.add(asg.file.path, a.SrcRange, "%s: health_check_type is not a literal; want \"EC2\"", name(asg))
		case v != "EC2":
			r.add(asg.file.path, a.SrcRange, "%s: health_check_type is %q: its target groups check /readyz (MySQL, Redis), so a database outage "+
				"would mark every instance unhealthy and replace the fleet in a loop; use \"EC2\" (the /livez watchdog restarts a hung origin)", name(asg), v)
		}
	}
}

// shallowASG replaces instances on EC2's signal only.
const shallowASG = `
resource "aws_autoscaling_group" "origin" {
  health_check_type         = "EC2"
  health_check_grace_period = 180
  target_group_arns         = [aws_lb_target_group.origin.arn]
}
`

func TestASGHealthCheckerFindsViolations(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(shallowASG, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(shallowASG, old, new, 1)
	}
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"EC2", shallowASG, nil},
		{"absent: EC2 by default", edit("  health_check_type         = \"EC2\"\n", ""), nil},
		{"ELB: replaces the fleet in a database outage", edit(`"EC2"`, `"ELB"`), []string{`health_check_type is "ELB"`}},
		{"computed", edit(`"EC2"`, "var.health_check_type"), []string{"health_check_type is not a literal"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			runCheckerCase(t, "asg-health-check", []snippet{{src: c.src}}, c.want)
		})
	}
}
