"""The notifier's HTTP surface: subscriptions (JSON), the pages links in emails open, the delivery log."""
