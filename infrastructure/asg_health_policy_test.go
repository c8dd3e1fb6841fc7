package infrastructure_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// The ASG's own health signal (RATIONALE.md: "Why does the ASG use EC2
// health checks while the ALB checks /readyz?").

func init() {
	checkers["asg-health-check"] = checkASGHealthCheck
	checkers["asg-refresh-alarm"] = checkASGRefreshAlarm
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

// checkASGRefreshAlarm: an instance refresh that rolls back (auto_rollback
// true, or not a literal) names, in its preferences' alarm_specification,
// an alarm on the health of one of the group's own target groups
// (AWS/ApplicationELB UnHealthyHostCount or HealthyHostCount, dimension
// TargetGroup). The refresh judges new instances by EC2 health
// (asg-health-check), so without that alarm a release whose origin never
// passes /readyz completes the refresh and stays. The refresh must also
// wait long enough for that alarm to fire (checkRefreshWaits).
func checkASGRefreshAlarm(files []*tfFile, r *report) {
	for _, asg := range topBlocks(files, "resource", "aws_autoscaling_group") {
		r.examined++
		groups := map[string]bool{}
		if a, ok := asg.body.Attributes["target_group_arns"]; ok {
			for _, tr := range a.Expr.Variables() {
				groups[traversalString(tr[:min(2, len(tr))])] = true
			}
		}
		for _, ir := range nested(asg.body, "instance_refresh") {
			for _, p := range nested(ir.Body, "preferences") {
				if rollback, present, isStatic := staticBool(p.Body, "auto_rollback"); !present || isStatic && !rollback {
					continue
				}
				specs := nested(p.Body, "alarm_specification")
				if len(specs) == 0 {
					r.add(asg.file.path, p.TypeRange, "%s: auto_rollback without an alarm_specification: with EC2 health, "+
						"a release whose origin never passes /readyz is not rolled back", name(asg))
					continue
				}
				var alarm *hclsyntax.Body
				if alarms, ok := specs[0].Body.Attributes["alarms"]; ok {
					alarm = targetHealthAlarm(files, asg.file.dir, alarms.Expr, groups)
				}
				if alarm == nil {
					r.add(asg.file.path, specs[0].TypeRange, "%s: no alarm in alarm_specification watches UnHealthyHostCount or "+
						"HealthyHostCount (AWS/ApplicationELB) of a target group of this group", name(asg))
					continue
				}
				checkRefreshWaits(files, asg, p, alarm, r)
			}
		}
	}
}

// checkRefreshWaits: the refresh waits, after each new instance, at least
// as long as the alarm takes to fire (period × evaluation_periods), or it
// moves on, and after the last instance completes, before the alarm could
// fail it. That wait is instance_warmup; a checkpoint_delay, when
// checkpoints are set, must not be shorter either (it is the pause in which
// the alarm judges a batch).
func checkRefreshWaits(files []*tfFile, asg labeled, p *hclsyntax.Block, alarm *hclsyntax.Body, r *report) {
	dir := asg.file.dir
	period, okP := resolveNumber(files, dir, alarm.Attributes["period"])
	evals, okE := resolveNumber(files, dir, alarm.Attributes["evaluation_periods"])
	if !okP || !okE {
		r.add(asg.file.path, p.TypeRange, "%s: the refresh's alarm has no static period and evaluation_periods: cannot tell how long it takes to fire", name(asg))
		return
	}
	fire := period * evals
	waits := []string{"instance_warmup"}
	if _, ok := p.Body.Attributes["checkpoint_percentages"]; ok {
		waits = append(waits, "checkpoint_delay")
	}
	for _, attr := range waits {
		a, ok := p.Body.Attributes[attr]
		if !ok && attr == "checkpoint_delay" {
			continue // AWS's default, 3600 s
		}
		rng := p.TypeRange
		if ok {
			rng = a.SrcRange
		}
		switch wait, isStatic := resolveNumber(files, dir, a); {
		case !ok:
			r.add(asg.file.path, rng, "%s: no %s: the refresh may finish before its alarm (%d s to fire) could fail it", name(asg), attr, fire)
		case !isStatic:
			r.add(asg.file.path, rng, "%s: %s is not static: cannot tell it covers the alarm's %d s to fire", name(asg), attr, fire)
		case wait < fire:
			r.add(asg.file.path, rng, "%s: %s is %d s, shorter than the alarm's %d s to fire (period × evaluation_periods): "+
				"the refresh moves on or completes before the alarm could roll it back", name(asg), attr, wait, fire)
		}
	}
}

// resolveNumber evaluates a (nil: absent) as a whole number of the module
// in dir, with var.X from static defaults and local.X from static locals
// (a numeric string counts: the provider types instance_warmup as one).
func resolveNumber(files []*tfFile, dir string, a *hclsyntax.Attribute) (int64, bool) {
	if a == nil {
		return 0, false
	}
	vars := map[string]cty.Value{}
	for n, v := range moduleVars(files, dir) {
		if v != cty.NilVal {
			vars[n] = v
		}
	}
	v, diags := a.Expr.Value(&hcl.EvalContext{Variables: map[string]cty.Value{
		"var":   cty.ObjectVal(vars),
		"local": cty.ObjectVal(moduleLocals(files, dir)),
	}})
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return 0, false
	}
	n, err := convert.Convert(v, cty.Number)
	if err != nil {
		return 0, false
	}
	i, acc := n.AsBigFloat().Int64()
	return i, acc == big.Exact
}

// targetHealthAlarm returns the first aws_cloudwatch_metric_alarm of the
// module in dir that expr references and that watches the health of one of
// groups (aws_lb_target_group.NAME), or nil.
func targetHealthAlarm(files []*tfFile, dir string, expr hclsyntax.Expression, groups map[string]bool) *hclsyntax.Body {
	for _, tr := range expr.Variables() {
		alarm := policyResource(files, dir, &hclsyntax.ScopeTraversalExpr{Traversal: tr}, "aws_cloudwatch_metric_alarm")
		if alarm == nil {
			continue
		}
		ns, _, _ := staticString(alarm, "namespace")
		metric, _, _ := staticString(alarm, "metric_name")
		dims, ok := alarm.Attributes["dimensions"]
		if !ok || ns != "AWS/ApplicationELB" || metric != "UnHealthyHostCount" && metric != "HealthyHostCount" {
			continue
		}
		o, ok := dims.Expr.(*hclsyntax.ObjectConsExpr)
		if !ok {
			continue
		}
		if tg, ok := objectKeys(o)["TargetGroup"]; ok {
			for _, ref := range tg.Variables() {
				if groups[traversalString(ref[:min(2, len(ref))])] {
					return alarm
				}
			}
		}
	}
	return nil
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

// rollingASG rolls back a refresh whose new targets stay unhealthy.
const rollingASG = `
resource "aws_autoscaling_group" "origin" {
  health_check_type = "EC2"
  target_group_arns = concat([aws_lb_target_group.origin.arn], aws_lb_target_group.internal[*].arn)
  instance_refresh {
    strategy = "Rolling"
    preferences {
      instance_warmup = local.alarm_period * local.alarm_periods + 120
      auto_rollback   = true
      alarm_specification {
        alarms = [aws_cloudwatch_metric_alarm.unhealthy_targets.alarm_name]
      }
    }
  }
}
resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  namespace   = "AWS/ApplicationELB"
  metric_name = "UnHealthyHostCount"
  dimensions = {
    LoadBalancer = aws_lb.public.arn_suffix
    TargetGroup  = aws_lb_target_group.origin.arn_suffix
  }
  period             = local.alarm_period
  evaluation_periods = local.alarm_periods
}
locals {
  alarm_period  = 60
  alarm_periods = 3
}
`

func TestASGRefreshAlarmCheckerFindsViolations(t *testing.T) {
	edit := func(old, new string) string {
		if !strings.Contains(rollingASG, old) {
			t.Fatalf("fixture has no %q", old)
		}
		return strings.Replace(rollingASG, old, new, 1)
	}
	noSpec := edit(`      alarm_specification {
        alarms = [aws_cloudwatch_metric_alarm.unhealthy_targets.alarm_name]
      }
`, "")
	const unwatched = "no alarm in alarm_specification watches"
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"alarm on the target group", rollingASG, nil},
		{"HealthyHostCount", edit(`"UnHealthyHostCount"`, `"HealthyHostCount"`), nil},
		{"no rollback, no alarm needed", strings.Replace(noSpec, "auto_rollback   = true", "auto_rollback   = false", 1), nil},
		{"no instance refresh", `resource "aws_autoscaling_group" "origin" {}`, nil},
		{"rollback without an alarm", noSpec, []string{"auto_rollback without an alarm_specification"}},
		{"computed rollback without an alarm", strings.Replace(noSpec, "auto_rollback   = true", "auto_rollback   = var.rollback", 1), []string{"auto_rollback without an alarm_specification"}},
		{"no alarms", edit("        alarms = [aws_cloudwatch_metric_alarm.unhealthy_targets.alarm_name]\n", ""), []string{unwatched}},
		{"alarm on CPU", edit(`"UnHealthyHostCount"`, `"CPUUtilization"`), []string{unwatched}},
		{"alarm in another namespace", edit(`"AWS/ApplicationELB"`, `"AWS/EC2"`), []string{unwatched}},
		{"alarm on the load balancer only", edit("    TargetGroup  = aws_lb_target_group.origin.arn_suffix\n", ""), []string{unwatched}},
		{"alarm on another group's targets", edit("TargetGroup  = aws_lb_target_group.origin.arn_suffix", "TargetGroup  = aws_lb_target_group.other.arn_suffix"), []string{unwatched}},
		{"warmup as a numeric string", edit("local.alarm_period * local.alarm_periods + 120", `"180"`), nil},
		{"checkpoints that wait out the alarm", edit("auto_rollback   = true", "auto_rollback   = true\n      checkpoint_percentages = [50, 100]\n      checkpoint_delay = local.alarm_period * local.alarm_periods"), nil},
		{"checkpoints with AWS's default delay (3600 s)", edit("auto_rollback   = true", "auto_rollback   = true\n      checkpoint_percentages = [50, 100]"), nil},
		{"warmup shorter than the alarm", edit("local.alarm_period * local.alarm_periods + 120", "120"), []string{"instance_warmup is 120 s, shorter than the alarm's 180 s to fire"}},
		{"no warmup", edit("      instance_warmup = local.alarm_period * local.alarm_periods + 120\n", ""), []string{"no instance_warmup"}},
		{"warmup from a variable", edit("local.alarm_period * local.alarm_periods + 120", "var.warmup"), []string{"instance_warmup is not static"}},
		{"more periods: the derived warmup follows", edit("alarm_periods = 3", "alarm_periods = 10"), nil},
		{"alarm period not the warmup's", edit("period             = local.alarm_period", "period             = 300"), []string{"instance_warmup is 300 s, shorter than the alarm's 900 s to fire"}},
		{"checkpoint delay shorter than the alarm", edit("auto_rollback   = true", "auto_rollback   = true\n      checkpoint_percentages = [50, 100]\n      checkpoint_delay = \"60\""), []string{"checkpoint_delay is 60 s, shorter than the alarm's 180 s to fire"}},
		{"alarm period not static", edit("period             = local.alarm_period", "period             = var.period"), []string{"cannot tell how long it takes to fire"}},
		{"alarm not in this module", edit("aws_cloudwatch_metric_alarm.unhealthy_targets.alarm_name", "aws_cloudwatch_metric_alarm.elsewhere.alarm_name"), []string{unwatched}},
	} {
		t.Run(c.name, func(t *testing.T) {
			runCheckerCase(t, "asg-refresh-alarm", []snippet{{src: c.src}}, c.want)
		})
	}
}
