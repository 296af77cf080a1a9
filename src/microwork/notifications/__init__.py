"""In-app notifications and email: what happened to a person's work, money or batches, told in
the header, by email at once or in a daily digest, as each person chose."""
