"""The customer statement document (WeasyPrint over a Jinja2 template, with the shared q2c
document stylesheet), and the brand it is printed in."""
