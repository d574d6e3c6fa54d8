"""Tiexin (贴心): customer-care operations for a telecom VIP service."""
