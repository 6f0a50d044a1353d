"""Small formatting helpers shared by the apps and templates (newsroom style)."""

AP_MONTHS = {
    1: "Jan.",
    2: "Feb.",
    3: "March",
    4: "April",
    5: "May",
    6: "June",
    7: "July",
    8: "Aug.",
    9: "Sept.",
    10: "Oct.",
    11: "Nov.",
    12: "Dec.",
}


def ap_date(value, *, with_year=False):
    """A date in AP style: "Nov. 30", "March 4", with_year: "Nov. 30, 2021"."""
    text = f"{AP_MONTHS[value.month]} {value.day}"
    return f"{text}, {value.year}" if with_year else text
