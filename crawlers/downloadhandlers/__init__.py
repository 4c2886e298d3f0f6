"""Download handlers: how a request becomes bytes off the network."""
