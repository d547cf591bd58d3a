"""WeCom (企业微信): the callback crypto and the smart robot's long connection.

Only this package speaks to WeCom; code outside `bot.transport` never imports it.
"""

from __future__ import annotations

from bot.transport.wecom.crypto import CryptoError, WecomCrypto
from bot.transport.wecom.robot import RobotChannel
from bot.transport.wecom.robot_frames import RobotSettings

__all__ = ["CryptoError", "RobotChannel", "RobotSettings", "WecomCrypto"]
