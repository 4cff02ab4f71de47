"""tradingd_client: arm and cancel conditions on a running tradingd and follow what
becomes of them, pushed as it is committed (GET /events). See Client; client.clock
runs the same strategist live and in a backtest (tradingd_client.backtest)."""

from .client import (CLOSE_GOING_AWAY, CLOSE_TOO_SLOW, DEFAULT_URL, ApiError, Client, Clock, Event,
                     MalformedEvent, TradingdError)

__all__ = ["Client", "Clock", "Event", "ApiError", "MalformedEvent", "TradingdError", "DEFAULT_URL",
           "CLOSE_GOING_AWAY", "CLOSE_TOO_SLOW"]
__version__ = "0.1.0"
