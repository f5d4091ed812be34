output "alarm_arns" {
  description = "Alarm name => ARN."
  value       = { for name, a in aws_cloudwatch_metric_alarm.rolecall : name => a.arn }
}
