output "alb_dns_name" {
  description = "DNS name of the public ALB (point origin_domain_name at it with an alias record)."
  value       = aws_lb.public.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone ID of the public ALB, for alias records."
  value       = aws_lb.public.zone_id
}

output "alb_arn" {
  description = "ARN of the public ALB."
  value       = aws_lb.public.arn
}

output "https_listener_arn" {
  description = "ARN of the public ALB's HTTPS listener."
  value       = aws_lb_listener.https.arn
}

output "internal_alb_dns_name" {
  description = "DNS name of the internal ALB (null when create_internal_alb is false)."
  value       = var.create_internal_alb ? aws_lb.internal[0].dns_name : null
}

output "internal_https_listener_arn" {
  description = "ARN of the internal ALB's HTTPS listener, the API Gateway VPC link integration target (null when create_internal_alb is false)."
  value       = var.create_internal_alb ? aws_lb_listener.internal_https[0].arn : null
}

output "security_group_id" {
  description = "Security group of the origin instances (the databases admit only it)."
  value       = aws_security_group.origin.id
}

output "alb_security_group_id" {
  description = "Security group of the public ALB."
  value       = aws_security_group.alb.id
}

output "autoscaling_group_name" {
  description = "Name of the origin autoscaling group (start an instance refresh on it to roll a release)."
  value       = aws_autoscaling_group.origin.name
}

output "role_arn" {
  description = "ARN of the origin instances' IAM role."
  value       = aws_iam_role.origin.arn
}

output "parameter_path" {
  description = "SSM path under which the origin's non-secret environment lives."
  value       = local.parameter_path
}
