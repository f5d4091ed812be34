variable "cluster_name" {
  description = "The ClusterName dimension: the cluster_name of the CloudWatch agent's prometheus section."
  type        = string
}

variable "families" {
  description = "Task definition families running rolecall (the TaskDefinitionFamily dimension); one alarm set each."
  type        = set(string)
}

variable "alarm_actions" {
  description = "Actions (e.g. SNS topic ARNs) per severity, for ALARM and OK: { critical = [...], warning = [...] }."
  type        = map(list(string))
  default     = {}
}

variable "runbook_base" {
  description = "Absolute URL of your copy of docs/monitoring.md; each alarm's description links to its section."
  type        = string
  default     = "https://rolecall.invalid/docs/monitoring.md"
}

variable "alarms_file" {
  description = "PutMetricAlarm templates to use instead of deploy/cloudwatch/rolecall-alarms.json."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every alarm."
  type        = map(string)
  default     = {}
}
