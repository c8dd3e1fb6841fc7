# HTTP API for the operator API (/v1/operator/*): throttling and access logs
# in front of the internal ALB, reached through a VPC link.
#
# No gateway authorizer. HTTP API JWT authorizers verify RSA-signed tokens
# only (REST API JWT authorizers RS*/ES*); edgeflix access tokens are EdDSA
# (Ed25519), so a JWT authorizer would refuse every operator token. The
# origin enforces authorization itself on /v1/operator/*: a valid access
# token (Bearer middleware) and the operator role (accounts.role), 401/403
# otherwise. A Lambda REQUEST authorizer could move a pre-check to the
# gateway; it needs code that does not exist yet.

resource "aws_security_group" "vpc_link" {
  name_prefix = "${var.name}-apigw-link-"
  description = "API Gateway VPC link: HTTPS to the internal ALB only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-apigw-link" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "vpc_link_to_alb" {
  security_group_id = aws_security_group.vpc_link.id
  description       = "HTTPS to the internal ALB"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_apigatewayv2_vpc_link" "this" {
  name               = "${var.name}-operator"
  security_group_ids = [aws_security_group.vpc_link.id]
  subnet_ids         = var.subnet_ids

  tags = var.tags
}

resource "aws_apigatewayv2_api" "this" {
  name          = "${var.name}-operator"
  description   = "edgeflix operator API"
  protocol_type = "HTTP"

  tags = var.tags
}

resource "aws_apigatewayv2_integration" "alb" {
  api_id                 = aws_apigatewayv2_api.this.id
  description            = "Internal ALB of the origin"
  integration_type       = "HTTP_PROXY"
  integration_method     = "ANY"
  integration_uri        = var.alb_listener_arn
  connection_type        = "VPC_LINK"
  connection_id          = aws_apigatewayv2_vpc_link.this.id
  timeout_milliseconds   = 29000
  payload_format_version = "1.0"

  tls_config {
    server_name_to_verify = var.alb_tls_server_name
  }

  # Send the path exactly as the client asked (no stage prefix).
  request_parameters = {
    "overwrite:path" = "$request.path"
  }
}

resource "aws_apigatewayv2_route" "operator" {
  for_each = toset(["ANY /v1/operator", "ANY /v1/operator/{proxy+}"])

  api_id    = aws_apigatewayv2_api.this.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.alb.id}"
  # The origin checks the token and the operator role (see the top).
  authorization_type = "NONE"
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}-operator"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit   = var.throttling_burst_limit
    throttling_rate_limit    = var.throttling_rate_limit
    detailed_metrics_enabled = true
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      routeKey           = "$context.routeKey"
      path               = "$context.path"
      status             = "$context.status"
      protocol           = "$context.protocol"
      responseLength     = "$context.responseLength"
      latencyMs          = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }

  tags = var.tags
}
