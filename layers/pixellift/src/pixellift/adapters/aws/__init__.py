"""AWS adapters: S3, DynamoDB (pynamodb) and Step Functions behind the core's ports."""
