"""Access: role blueprints in Cedar, workspace walls, API keys and share links.

Who may do what is decided by the Cedar policies in ``blueprints/<version>/`` over the schema in
``schema.cedarschema``. A principal's roles live in the principal entity's tags (workspace id →
role names), so the policy set stays the same size however many users and workspaces there are.
"""
