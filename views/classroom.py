"""Live class: the teacher starts a class from a lesson and steers it; students join with a code or a link and
answer on their own screens (the glue is landscape/ui/classroom.py)."""
from landscape.ui import classroom

classroom.page()
