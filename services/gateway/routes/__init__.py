"""The gateway's routes, one module per owning service (mixins of GatewayService)."""
