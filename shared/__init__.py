"""The CIM platform's common library: contracts (events, RPC payloads) and infrastructure.

Services import from here and never from one another.
"""
