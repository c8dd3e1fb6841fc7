data "aws_partition" "current" {}

data "aws_region" "current" {}

# CloudFront's origin-facing address ranges: the public ALB accepts nothing else.
data "aws_ec2_managed_prefix_list" "cloudfront" {
  name = "com.amazonaws.global.cloudfront.origin-facing"
}

locals {
  parameter_path = "/edgeflix/${var.environment}/origin"

  # The unhealthy-targets alarm fires after this many one-period datapoints
  # of an unhealthy public target; an instance refresh watches each new
  # instance at least that long (instance_warmup) so the alarm can fail it.
  unhealthy_alarm_period             = 60
  unhealthy_alarm_evaluation_periods = 3

  # Non-secret configuration of `edgeflix origin`, one SSM String parameter
  # per environment variable (names follow internal/cli/defaults.go).
  # The module's own keys come last so extra_environment cannot override
  # the security-relevant ones (TLS to Redis, issuer, trusted proxies).
  environment = merge(var.extra_environment, {
    EDGEFLIX_S3_BUCKET  = var.media_bucket_name
    EDGEFLIX_S3_REGION  = data.aws_region.current.name
    EDGEFLIX_REDIS_ADDR = "${var.redis_address}:${var.redis_port}"
    # ElastiCache has transit encryption and AUTH on; the password comes
    # from redis_auth_secret_arn as EDGEFLIX_REDIS_PASSWORD (user_data).
    EDGEFLIX_REDIS_TLS  = "true"
    EDGEFLIX_ORIGIN_URL = var.public_origin_url
    EDGEFLIX_EDGE_URL   = var.public_edge_url
    # iss of every token the origin signs and of its discovery document.
    EDGEFLIX_ISSUER = var.issuer
    # The load balancers (public ALB in the public subnets, internal ALB and
    # the API Gateway VPC link in the private ones) all connect from inside
    # the VPC, so X-Forwarded-For is believed from the VPC CIDR only.
    EDGEFLIX_TRUSTED_PROXIES = var.vpc_cidr_block
    EDGEFLIX_ORIGIN_ADDR     = ":8080"
    EDGEFLIX_WEB_DIR         = "/opt/edgeflix/web"
    EDGEFLIX_DATA_DIR        = "/var/lib/edgeflix"
    EDGEFLIX_CACHE_DIR       = "/var/cache/edgeflix"
    AWS_REGION               = data.aws_region.current.name
  })

  # Secrets rendered into the service environment at every start. The proof
  # keys verify the gate's X-Edgeflix-Proof (HMAC over path and expiry) on
  # every /v1/media/ request: without a valid proof the origin refuses it.
  secrets = merge(var.extra_secret_arns, {
    EDGEFLIX_EDGE_PROOF_KEYS = var.edge_proof_keys_secret_arn
  })

  secret_arns = distinct(concat([var.db_secret_arn, var.redis_auth_secret_arn], values(local.secrets)))

  # The ALB's header condition takes at most 3 values: the API secret and up
  # to two previous ones during a rotation.
  header_secrets = concat([var.api_origin_secret], var.api_origin_previous_secrets)

  # A changed SSM value or secret version makes a new launch template
  # version, so the instance refresh restarts every origin with it.
  config_revision = sha256(jsonencode(local.environment))
}

resource "aws_ssm_parameter" "environment" {
  for_each = local.environment

  name        = "${local.parameter_path}/${each.key}"
  description = "edgeflix origin environment variable ${each.key}"
  type        = "String"
  value       = each.value

  tags = var.tags
}

# --- security groups ------------------------------------------------------------

resource "aws_security_group" "alb" {
  name_prefix = "${var.name}-alb-"
  description = "Public ALB: HTTPS from CloudFront origin-facing ranges only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

# The prefix list has ~55 entries and each counts against the security group
# rule quota, so only 443 is opened from it (CloudFront talks https-only).
resource "aws_vpc_security_group_ingress_rule" "alb_https_from_cloudfront" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from CloudFront"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_origin" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To origin instances"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.origin.id
}

resource "aws_security_group" "internal_alb" {
  count = var.create_internal_alb ? 1 : 0

  name_prefix = "${var.name}-internal-alb-"
  description = "Internal ALB for API Gateway VPC link: HTTPS from inside the VPC"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-internal-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "internal_alb_https" {
  count = var.create_internal_alb ? 1 : 0

  security_group_id = aws_security_group.internal_alb[0].id
  description       = "HTTPS from the VPC (API Gateway VPC link ENIs)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "internal_alb_to_origin" {
  count = var.create_internal_alb ? 1 : 0

  security_group_id            = aws_security_group.internal_alb[0].id
  description                  = "To origin instances"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.origin.id
}

resource "aws_security_group" "origin" {
  name_prefix = "${var.name}-origin-"
  description = "edgeflix origin instances: 8080 from the load balancers only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-origin" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "origin_from_alb" {
  security_group_id            = aws_security_group.origin.id
  description                  = "HTTP from the public ALB"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "origin_from_internal_alb" {
  count = var.create_internal_alb ? 1 : 0

  security_group_id            = aws_security_group.origin.id
  description                  = "HTTP from the internal ALB"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
  referenced_security_group_id = aws_security_group.internal_alb[0].id
}

# No route to the internet: AWS APIs through the VPC's interface endpoints
# (SSM, Secrets Manager, Session Manager), S3 (media, releases, the AL2023
# package repositories) through the gateway endpoint's prefix list.
resource "aws_vpc_security_group_egress_rule" "origin_endpoints" {
  security_group_id            = aws_security_group.origin.id
  description                  = "HTTPS to the VPC interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.endpoint_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "origin_s3" {
  security_group_id = aws_security_group.origin.id
  description       = "HTTPS to S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "origin_mysql" {
  security_group_id = aws_security_group.origin.id
  description       = "MySQL inside the VPC"
  ip_protocol       = "tcp"
  from_port         = var.db_port
  to_port           = var.db_port
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "origin_redis" {
  security_group_id = aws_security_group.origin.id
  description       = "Redis inside the VPC"
  ip_protocol       = "tcp"
  from_port         = var.redis_port
  to_port           = var.redis_port
  cidr_ipv4         = var.vpc_cidr_block
}

# --- IAM: least privilege for the origin ------------------------------------------

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "origin" {
  name_prefix        = "edgeflix-origin-"
  description        = "edgeflix origin instances"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json

  tags = var.tags
}

data "aws_iam_policy_document" "origin" {
  statement {
    sid       = "ReadMedia"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${var.media_bucket_arn}/${var.media_prefix}*"]
  }

  statement {
    sid       = "ListMedia"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [var.media_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.media_prefix}*"]
    }
  }

  # Every release under the prefix, not only the current one: an instance
  # refresh that rolls back starts instances with the previous tarball.
  statement {
    sid       = "ReadReleases"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::${var.artifact_bucket_name}/${var.artifact_prefix}*"]
  }

  statement {
    sid       = "ReadSecrets"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns
  }

  statement {
    sid       = "ReadParameters"
    effect    = "Allow"
    actions   = ["ssm:GetParameters"]
    resources = [for p in aws_ssm_parameter.environment : p.arn]
  }

  dynamic "statement" {
    for_each = compact([var.media_kms_key_arn, var.secrets_kms_key_arn])

    content {
      sid       = "Decrypt${statement.key}"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "origin" {
  name   = "edgeflix-origin"
  role   = aws_iam_role.origin.id
  policy = data.aws_iam_policy_document.origin.json
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  count = var.enable_ssm_session_manager ? 1 : 0

  role       = aws_iam_role.origin.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "origin" {
  name_prefix = "edgeflix-origin-"
  role        = aws_iam_role.origin.name

  tags = var.tags
}

# --- launch template and autoscaling group ----------------------------------------

resource "aws_launch_template" "origin" {
  name_prefix            = "${var.name}-origin-"
  description            = "edgeflix origin (Amazon Linux 2023, ${var.architecture})"
  image_id               = var.ami_id
  instance_type          = var.instance_type
  update_default_version = true
  vpc_security_group_ids = [aws_security_group.origin.id]

  iam_instance_profile {
    arn = aws_iam_instance_profile.origin.arn
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = var.root_volume_size
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  user_data = base64encode(templatefile("${path.module}/user_data.sh.tftpl", {
    region          = data.aws_region.current.name
    artifact_bucket = var.artifact_bucket_name
    artifact_key    = var.artifact_object_key
    parameter_names = [for p in aws_ssm_parameter.environment : p.name]
    db_secret_arn   = var.db_secret_arn
    db_address      = var.db_address
    db_port         = var.db_port
    db_name         = var.db_name
    redis_secret    = var.redis_auth_secret_arn
    extra_secrets   = local.secrets
    origin_args     = var.migrate_on_start ? "origin -migrate" : "origin"
    # Only a marker in the script: a new value makes a new launch template
    # version, so the instance refresh restarts every origin and each reads
    # the rotated secrets (they are read at service start, never stored).
    secrets_revision = var.secrets_revision
    config_revision  = local.config_revision
  }))

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-origin" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(var.tags, { Name = "${var.name}-origin" })
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = startswith(var.artifact_object_key, var.artifact_prefix)
      error_message = "artifact_object_key must lie under artifact_prefix (the instance role reads only that prefix)."
    }
  }
}

resource "aws_autoscaling_group" "origin" {
  name_prefix         = "${var.name}-origin-"
  vpc_zone_identifier = var.private_subnet_ids
  min_size            = var.min_size
  max_size            = var.max_size
  desired_capacity    = var.desired_capacity
  # EC2, not ELB: the target groups check the deep /readyz (MySQL, Redis)
  # to route, and a shared-store outage fails it on every instance at once;
  # ELB health would then replace the whole fleet in a loop. A hung origin
  # is restarted on the instance by the watchdog on /livez (user_data).
  health_check_type         = "EC2"
  health_check_grace_period = 180
  default_instance_warmup   = 120
  target_group_arns         = concat([aws_lb_target_group.origin.arn], aws_lb_target_group.internal[*].arn)
  termination_policies      = ["OldestLaunchTemplate", "OldestInstance"]
  enabled_metrics           = ["GroupDesiredCapacity", "GroupInServiceInstances", "GroupTotalInstances"]

  launch_template {
    id      = aws_launch_template.origin.id
    version = aws_launch_template.origin.latest_version
  }

  # A new launch template version (release binary, AMI, configuration)
  # replaces instances a few at a time behind the load balancer. The refresh
  # judges new instances by EC2 health, so a release whose origin never
  # becomes ready would pass it; the unhealthy-targets alarm fails such a
  # refresh and auto_rollback restores the previous template version.
  instance_refresh {
    strategy = "Rolling"

    preferences {
      min_healthy_percentage = 90
      # The refresh moves on to the next instance, or completes after the
      # last one, only when instance_warmup has passed since the new one
      # entered service. The alarm needs period x evaluation_periods of an
      # unhealthy target, plus ~2 minutes before the target is first marked
      # unhealthy (3 failed checks) and its datapoint reaches CloudWatch;
      # with the old 120 s a one- or two-instance group finished the refresh
      # before the alarm could fire, and nothing rolled back. Checkpoints
      # would not close that gap: the refresh does not pause after the last
      # (100 %) checkpoint, and bake_time is not in hashicorp/aws 5.99.1.
      instance_warmup = local.unhealthy_alarm_period * local.unhealthy_alarm_evaluation_periods + 120
      auto_rollback   = true

      alarm_specification {
        alarms = [aws_cloudwatch_metric_alarm.unhealthy_targets.alarm_name]
      }
    }
  }

  dynamic "tag" {
    for_each = merge(var.tags, { Name = "${var.name}-origin" })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

# A public target failing /readyz for three minutes in a row. An instance
# refresh watches it (alarm_specification): new origins that never become
# ready fail the refresh, which rolls back. Three one-minute periods, not
# one: a healthy release's target can fail its first checks while the
# instance boots (3 failures, 45 s, mark it unhealthy). Outside a refresh
# the alarm acts on nothing. Every instance of the group is a target of the
# public target group, so the internal one adds no signal.
resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {
  alarm_name        = "${var.name}-origin-unhealthy-targets"
  alarm_description = "An origin behind the public ALB has failed /readyz for 3 minutes; fails (and rolls back) a running instance refresh."
  namespace         = "AWS/ApplicationELB"
  metric_name       = "UnHealthyHostCount"
  dimensions = {
    LoadBalancer = aws_lb.public.arn_suffix
    TargetGroup  = aws_lb_target_group.origin.arn_suffix
  }
  statistic           = "Maximum"
  period              = local.unhealthy_alarm_period
  evaluation_periods  = local.unhealthy_alarm_evaluation_periods
  datapoints_to_alarm = local.unhealthy_alarm_evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"

  tags = var.tags
}

resource "aws_autoscaling_policy" "cpu" {
  name                   = "${var.name}-origin-cpu"
  autoscaling_group_name = aws_autoscaling_group.origin.name
  policy_type            = "TargetTrackingScaling"

  target_tracking_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
    target_value = var.cpu_target_percent
  }
}

# --- public ALB (CloudFront's origin) ---------------------------------------------------

# trivy:ignore:AWS-0053 -- CloudFront's custom origin must be reachable from CloudFront's edge; its security group admits only the CloudFront origin-facing prefix list and the listener forwards only the API secret or a /v1/media/ proof (CloudFront VPC origins would make it internal; see RATIONALE.md)
resource "aws_lb" "public" {
  name_prefix                = "efx-"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"
  enable_http2               = true
  # CloudFront already sets X-Forwarded-For to "<what the viewer sent>,
  # <viewer address>". Appending would add CloudFront's own address, which
  # the origin (trusting only the VPC CIDR) would then take as the client;
  # preserving leaves the viewer as the right-most untrusted entry.
  xff_header_processing_mode = "preserve"
  idle_timeout               = 60
  enable_deletion_protection = var.alb_deletion_protection

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = "alb/${var.name}/public"
    enabled = true
  }

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_lb_target_group" "origin" {
  name_prefix          = "efx-"
  vpc_id               = var.vpc_id
  target_type          = "instance"
  protocol             = "HTTP"
  protocol_version     = "HTTP1"
  port                 = 8080
  deregistration_delay = 30

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.public.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.public.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  # Anything that is not CloudFront's API traffic or a gated media request is refused.
  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "forbidden"
      status_code  = "403"
    }
  }

  tags = var.tags
}

# The operator API is reachable only through API Gateway (throttling, access
# logs; the origin itself requires the operator role), never through
# CloudFront.
resource "aws_lb_listener_rule" "block_operator_api" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 1

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "not found"
      status_code  = "404"
    }
  }

  condition {
    path_pattern {
      values = ["/v1/operator/*"]
    }
  }

  tags = var.tags
}

# CloudFront's API behaviours carry the API secret.
resource "aws_lb_listener_rule" "api_from_cloudfront" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.origin.arn
  }

  condition {
    http_header {
      http_header_name = var.api_origin_header_name
      values           = local.header_secrets
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(local.header_secrets) <= 3
      error_message = "An ALB http_header condition takes at most 3 values: the API secret and at most 2 previous ones."
    }
  }
}

# Gated media carries no static secret: the ALB forwards /v1/media/ requests
# that carry a proof, and the origin verifies the proof (HMAC over path and
# expiry) itself. Everything else without the API secret gets the 403.
resource "aws_lb_listener_rule" "media_with_proof" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 20

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.origin.arn
  }

  condition {
    path_pattern {
      values = ["/v1/media/*"]
    }
  }

  condition {
    http_header {
      http_header_name = var.proof_header_name
      values           = ["*"]
    }
  }

  tags = var.tags
}

# --- internal ALB (API Gateway VPC link) ---------------------------------------------------

resource "aws_lb" "internal" {
  count = var.create_internal_alb ? 1 : 0

  name_prefix                = "efxi-"
  load_balancer_type         = "application"
  internal                   = true
  subnets                    = var.private_subnet_ids
  security_groups            = [aws_security_group.internal_alb[0].id]
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "defensive"
  idle_timeout               = 30
  enable_deletion_protection = var.alb_deletion_protection

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = "alb/${var.name}/internal"
    enabled = true
  }

  tags = merge(var.tags, { Name = "${var.name}-internal" })
}

resource "aws_lb_target_group" "internal" {
  count = var.create_internal_alb ? 1 : 0

  name_prefix          = "efxi-"
  vpc_id               = var.vpc_id
  target_type          = "instance"
  protocol             = "HTTP"
  port                 = 8080
  deregistration_delay = 30

  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "internal_https" {
  count = var.create_internal_alb ? 1 : 0

  load_balancer_arn = aws_lb.internal[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "not found"
      status_code  = "404"
    }
  }

  tags = var.tags
}

resource "aws_lb_listener_rule" "internal_operator" {
  count = var.create_internal_alb ? 1 : 0

  listener_arn = aws_lb_listener.internal_https[0].arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.internal[0].arn
  }

  condition {
    path_pattern {
      values = ["/v1/operator/*"]
    }
  }

  tags = var.tags
}
