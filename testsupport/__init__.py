"""What the tests of every service and the cross-service tests share: the in-process marketplace behind its
gateway (stack), its fixtures, the records that reach each state (helpers, *_flows) and the wire tools."""
