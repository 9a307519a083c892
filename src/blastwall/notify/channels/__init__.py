"""Channel types, one file each: PagerDuty Events v2, Slack, CloudEvents webhook, e-mail."""
