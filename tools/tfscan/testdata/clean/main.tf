resource "aws_security_group" "origin" {
  name        = "origin"
  description = "origin"
}

# trivy:ignore:AWS-0104 -- egress through a filtering proxy appliance, reviewed
resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.origin.id
  description       = "everything"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
