"""Test helpers: loopback HTTP servers and other support code shared by the test suite."""
