"""Admission review (报表准入): auto / reused / new fields, overlap with existing reports, grassroots burden,
a suggested verdict; approve / reject; only approved reports are published."""

from biaotong.review.admission import ReviewResult, approve, publish, reject, review, reviews_of

__all__ = ["ReviewResult", "approve", "publish", "reject", "review", "reviews_of"]
