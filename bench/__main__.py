"""`python -m bench` (make bench): every benchmark, one after the other."""
from bench import aws_calls, cold_start

cold_start.main([])
print()
aws_calls.main()
