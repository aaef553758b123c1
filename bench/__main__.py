"""`python -m bench` (make bench): every benchmark, one after the other, each with its default sizes."""
from bench import aws_calls, checkout_calls, cold_start, lists, webhooks

cold_start.main([])
print()
aws_calls.main()
print()
checkout_calls.main()
print()
webhooks.main([])
print()
lists.main([])
