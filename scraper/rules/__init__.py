"""Site rules: the rule file format and the book that picks a page's rule.

``load_rules()`` gives the shipped book (generic rule plus site rules); ``load_rules(sites=False)``
the generic rule alone; ``parse_rule_file`` reads one file and names its line on errors.
"""

from scraper.rules.book import RuleBook, RuleTest, SiteRule, load_rules, parse_rule_file, resolve_rules

__all__ = ["RuleBook", "RuleTest", "SiteRule", "load_rules", "parse_rule_file", "resolve_rules"]
