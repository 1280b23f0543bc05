"""Teamline: messaging between young people with long-term conditions and their NHS clinical team.

Everything in this package is packaged into the Lambda zip by Chalice, so nothing secret lives here.
"""

__version__ = "0.1.0"
