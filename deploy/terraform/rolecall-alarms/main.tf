# CloudWatch alarms for rolecall, equivalent to deploy/prometheus/rules.yml, for teams that run no
# Prometheus: one set per task family of one cluster, on the metrics the CloudWatch agent sends
# (deploy/cloudwatch-agent/cwagent-config.json). The alarms themselves are PutMetricAlarm input in
# deploy/cloudwatch/rolecall-alarms.json, shared with the CDK construct; docs/monitoring.md lists
# them and what CloudWatch cannot express per task.
#
#   module "rolecall_alarms" {
#     source        = "./deploy/terraform/rolecall-alarms"
#     cluster_name  = "prod"
#     families      = ["orders", "billing"]
#     alarm_actions = { critical = [aws_sns_topic.page.arn], warning = [aws_sns_topic.ticket.arn] }
#   }

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

locals {
  alarms_file = coalesce(var.alarms_file, "${path.module}/../../cloudwatch/rolecall-alarms.json")
  by_family = {
    for family in var.families : family => jsondecode(templatefile(local.alarms_file, {
      cluster_name = var.cluster_name
      family       = family
      runbook_base = var.runbook_base
    })).alarms
  }
  alarms   = merge([for family, list in local.by_family : { for a in list : a.AlarmName => a }]...)
  severity = { for name, a in local.alarms : name => one([for t in a.Tags : t.Value if t.Key == "severity"]) }
}

resource "aws_cloudwatch_metric_alarm" "rolecall" {
  for_each = local.alarms

  alarm_name          = each.value.AlarmName
  alarm_description   = each.value.AlarmDescription
  comparison_operator = each.value.ComparisonOperator
  threshold           = each.value.Threshold
  evaluation_periods  = each.value.EvaluationPeriods
  datapoints_to_alarm = each.value.DatapointsToAlarm
  treat_missing_data  = each.value.TreatMissingData
  alarm_actions       = lookup(var.alarm_actions, local.severity[each.key], [])
  ok_actions          = lookup(var.alarm_actions, local.severity[each.key], [])
  tags                = merge(var.tags, { for t in each.value.Tags : t.Key => t.Value })

  dynamic "metric_query" {
    for_each = each.value.Metrics
    content {
      id          = metric_query.value.Id
      expression  = try(metric_query.value.Expression, null)
      label       = try(metric_query.value.Label, null)
      return_data = metric_query.value.ReturnData

      dynamic "metric" {
        for_each = try([metric_query.value.MetricStat], [])
        content {
          namespace   = metric.value.Metric.Namespace
          metric_name = metric.value.Metric.MetricName
          dimensions  = { for d in metric.value.Metric.Dimensions : d.Name => d.Value }
          period      = metric.value.Period
          stat        = metric.value.Stat
        }
      }
    }
  }
}
