"""Marketplace rule packs (YAML data validated by ``pixellift.core.policy.schema``)."""
