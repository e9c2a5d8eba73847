"""Pydantic contracts: state records, Step Functions task inputs and outputs, event payloads.

The same models validate the sample events in ``events/``, the payloads the handlers receive and
return, and the records the repositories store, so the handlers, the state machines and the
stores cannot drift apart.
"""
