"""Registration: student profiles, CIM enrolment and the list of study programmes."""
