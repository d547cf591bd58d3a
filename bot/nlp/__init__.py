"""Language layer: acknowledgement detection and forwarded-notice matching (Chinese-aware)."""

from bot.nlp.ack import is_acknowledgement
from bot.nlp.segment import pos_tokenizer
from bot.nlp.similarity import content_similarity, is_forward_of

__all__ = ["content_similarity", "is_acknowledgement", "is_forward_of", "warm_up"]


def warm_up() -> None:
    """Load jieba's dictionaries now (about a second) instead of on the first chat message."""
    pos_tokenizer()
    is_acknowledgement("收到")
