"""Static reference data of the demo ledger: chart of accounts, vendors, texts, profiles.

Everything here is plain data; :mod:`urutiq_ai.demo.ledger` draws from it with a seeded
generator, so the same seed always picks the same vendors, texts and amounts.
"""

from dataclasses import dataclass

CHART_OF_ACCOUNTS: dict[str, str] = {
    "1000": "Cash",
    "1200": "Accounts Receivable",
    "1510": "Accumulated Depreciation",
    "2000": "Accounts Payable",
    "2100": "Accrued Liabilities",
    "2200": "Payroll Liabilities",
    "4000": "Service Revenue",
    "6000": "Salaries and Wages",
    "6100": "Travel",
    "6150": "Meals and Entertainment",
    "6200": "Software",
    "6250": "Computer Hardware",
    "6300": "Office Supplies",
    "6400": "Utilities",
    "6450": "Telecommunications",
    "6500": "Rent",
    "6550": "Insurance",
    "6600": "Marketing",
    "6700": "Professional Services",
    "6800": "Depreciation",
    "6900": "Bank Fees",
}

# Expense category (the classifier's label) -> expense account.
CATEGORY_ACCOUNT: dict[str, str] = {
    "travel": "6100",
    "meals": "6150",
    "software": "6200",
    "hardware": "6250",
    "office_supplies": "6300",
    "utilities": "6400",
    "telecom": "6450",
    "rent": "6500",
    "insurance": "6550",
    "marketing": "6600",
    "professional_services": "6700",
}
CATEGORIES: tuple[str, ...] = tuple(CATEGORY_ACCOUNT)

# Billed once a month per vendor (fixed or metered), not ad hoc.
RECURRING_CATEGORIES = frozenset({"rent", "utilities", "telecom", "insurance"})

# Median amount and log-normal sigma of one expense, per category.
CATEGORY_AMOUNT: dict[str, tuple[float, float]] = {
    "travel": (420.0, 0.75),
    "meals": (85.0, 0.6),
    "software": (310.0, 0.8),
    "hardware": (1_150.0, 0.7),
    "office_supplies": (140.0, 0.7),
    "utilities": (950.0, 0.2),
    "telecom": (640.0, 0.15),
    "rent": (12_500.0, 0.0),
    "insurance": (2_437.5, 0.0),
    "marketing": (1_300.0, 0.8),
    "professional_services": (3_200.0, 0.65),
}

# Relative monthly volume (January first) per category: summer travel, Q4 marketing.
SEASONALITY: dict[str, tuple[float, ...]] = {
    "travel": (0.8, 0.85, 0.95, 1.0, 1.05, 1.3, 1.4, 1.3, 1.0, 0.95, 0.9, 0.75),
    "meals": (0.9, 0.9, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.1, 1.3),
    "marketing": (0.9, 0.9, 1.0, 1.0, 1.0, 0.9, 0.85, 0.9, 1.0, 1.2, 1.35, 1.3),
    "hardware": (1.2, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 1.1, 1.3),
}

# (vendor name, primary category, secondary category or "", country)
REFERENCE_VENDORS: tuple[tuple[str, str, str, str], ...] = (
    ("Delta Air Lines", "travel", "", "US"),
    ("United Airlines", "travel", "", "US"),
    ("Marriott Hotels", "travel", "meals", "US"),
    ("Hilton Worldwide", "travel", "", "US"),
    ("Enterprise Rent-A-Car", "travel", "", "US"),
    ("Uber Business", "travel", "meals", "US"),
    ("Lufthansa", "travel", "", "DE"),
    ("DoorDash for Business", "meals", "", "US"),
    ("Starbucks", "meals", "", "US"),
    ("ezCater", "meals", "", "US"),
    ("Costco Business Center", "office_supplies", "meals", "US"),
    ("Amazon Web Services", "software", "", "US"),
    ("Atlassian", "software", "", "AU"),
    ("Slack Technologies", "software", "", "US"),
    ("Microsoft", "software", "hardware", "US"),
    ("Adobe", "software", "", "US"),
    ("GitHub", "software", "", "US"),
    ("Zoom Video", "software", "telecom", "US"),
    ("Google Workspace", "software", "", "US"),
    ("Datadog", "software", "", "US"),
    ("Twilio", "telecom", "software", "US"),
    ("Dell Technologies", "hardware", "", "US"),
    ("Apple", "hardware", "software", "US"),
    ("CDW", "hardware", "office_supplies", "US"),
    ("Lenovo", "hardware", "", "CN"),
    ("Amazon Business", "office_supplies", "hardware", "US"),
    ("Staples", "office_supplies", "", "US"),
    ("Office Depot", "office_supplies", "", "US"),
    ("Uline", "office_supplies", "", "US"),
    ("Pacific Gas & Electric", "utilities", "", "US"),
    ("City Water Department", "utilities", "", "US"),
    ("Verizon Business", "telecom", "", "US"),
    ("Comcast Business", "telecom", "utilities", "US"),
    ("Brookfield Properties", "rent", "", "US"),
    ("Regus", "rent", "", "GB"),
    ("The Hartford", "insurance", "", "US"),
    ("Hiscox", "insurance", "", "GB"),
    ("Google Ads", "marketing", "", "US"),
    ("LinkedIn Ads", "marketing", "", "US"),
    ("Meta Ads", "marketing", "", "US"),
    ("Vistaprint", "marketing", "office_supplies", "NL"),
    ("HubSpot", "marketing", "software", "US"),
    ("Deloitte", "professional_services", "", "US"),
    ("Baker McKenzie LLP", "professional_services", "", "US"),
    ("Robert Half", "professional_services", "", "US"),
    ("Upwork", "professional_services", "marketing", "US"),
)

# Vendors that appear only in the shifted period, with the new category mix.
SHIFT_VENDORS: tuple[tuple[str, str, str, str], ...] = (
    ("Navan Travel", "travel", "", "US"),
    ("Airbnb for Work", "travel", "", "US"),
    ("Snowflake", "software", "", "US"),
    ("Figma", "software", "", "US"),
    ("Notion Labs", "software", "", "US"),
    ("Vercel", "software", "", "US"),
    ("Rippling", "software", "professional_services", "US"),
    ("TikTok Ads", "marketing", "", "SG"),
    ("Canva", "marketing", "software", "AU"),
    ("Grainger", "office_supplies", "", "US"),
    ("Framework Computer", "hardware", "", "US"),
    ("Accenture", "professional_services", "", "IE"),
    ("Uber Eats for Business", "meals", "", "US"),
    ("Sweetgreen", "meals", "", "US"),
)

# Free-text templates per category; {vendor}, {month} and {ref} are filled in.
DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "travel": (
        "Flight to {city} for client meeting",
        "Airfare {city} round trip",
        "Hotel stay {city} 3 nights",
        "Car rental {city} sales trip",
        "Taxi rides {city} conference",
        "Train tickets to {city}",
        "Lodging {city} offsite",
    ),
    "meals": (
        "Team lunch {month}",
        "Client dinner {city}",
        "Catering for all-hands meeting",
        "Coffee and snacks for workshop",
        "Working lunch with prospect",
        "Team dinner after product launch",
    ),
    "software": (
        "Monthly {vendor} subscription {month}",
        "Monthly {vendor} hosting invoice {month}",
        "{vendor} annual license renewal",
        "SaaS seats added for engineering",
        "Cloud compute and storage usage {month}",
        "API usage charges {month}",
    ),
    "hardware": (
        "Laptop for new hire",
        "Monitors and docking stations",
        "Replacement laptop battery and charger",
        "Server memory upgrade",
        "Keyboards, mice and headsets",
        "Developer workstation",
    ),
    "office_supplies": (
        "Printer paper and toner",
        "Office supplies restock {month}",
        "Pens, notebooks and folders",
        "Shipping boxes and packing tape",
        "Whiteboard markers and sticky notes",
        "Kitchen and cleaning supplies",
    ),
    "utilities": (
        "Electricity bill {month}",
        "Water and sewer service {month}",
        "Gas and electric service office {month}",
        "Utility bill {month}",
    ),
    "telecom": (
        "Mobile phone plan {month}",
        "Business internet service {month}",
        "Phone lines and voice service {month}",
        "SMS and voice minutes {month}",
    ),
    "rent": (
        "Office rent {month}",
        "Monthly lease payment {month}",
        "Coworking desks rent {month}",
    ),
    "insurance": (
        "General liability insurance premium {month}",
        "Professional indemnity insurance {month}",
        "Cyber insurance premium {month}",
    ),
    "marketing": (
        "Ad campaign {month}",
        "Sponsored posts campaign {month}",
        "Search ads spend {month}",
        "Trade show booth and banners",
        "Printed brochures and business cards",
        "Email marketing campaign {month}",
    ),
    "professional_services": (
        "Legal advice on customer contract",
        "Audit fees {month}",
        "Tax advisory services",
        "Contractor hours {month}",
        "Recruiting fee for senior hire",
        "Consulting engagement milestone",
    ),
}

# Descriptions that say nothing about the category (the classifier must use the vendor).
GENERIC_DESCRIPTIONS: tuple[str, ...] = (
    "Invoice {ref}",
    "{vendor} invoice {ref}",
    "Card purchase {vendor}",
    "Payment to {vendor} {month}",
    "Misc. purchase {ref}",
    "Monthly statement {month}",
)

CITIES: tuple[str, ...] = (
    "New York",
    "Chicago",
    "San Francisco",
    "London",
    "Berlin",
    "Austin",
    "Toronto",
    "Boston",
)

SEGMENTS: tuple[str, ...] = ("small", "mid", "enterprise")
REGIONS: tuple[str, ...] = ("north_america", "europe", "apac", "latam")
PAYMENT_METHODS: tuple[str, ...] = ("bank_transfer", "ach", "card", "check")

CUSTOMER_PREFIXES: tuple[str, ...] = (
    "Acme",
    "Blue Ridge",
    "Cedar",
    "Summit",
    "Harbor",
    "Northwind",
    "Pioneer",
    "Granite",
    "Silverline",
    "Evergreen",
    "Redwood",
    "Atlas",
    "Beacon",
    "Crescent",
    "Falcon",
    "Horizon",
    "Keystone",
    "Lighthouse",
    "Meridian",
    "Orchard",
)
CUSTOMER_SUFFIXES: tuple[str, ...] = (
    "Logistics",
    "Health",
    "Foods",
    "Manufacturing",
    "Retail Group",
    "Capital",
    "Energy",
    "Labs",
)


@dataclass(frozen=True)
class CompanyProfile:
    """What kind of company the ledger belongs to: what it sells and what it spends on."""

    revenue_account_name: str
    line_items: tuple[tuple[str, float], ...]  # (description template, median unit price)
    quantity_range: tuple[int, int]
    category_weight: dict[str, float]


_SERVICE_LINES = (
    ("Consulting services - {month}", 180.0),
    ("Implementation support hours", 150.0),
    ("Project management {month}", 140.0),
    ("Data migration work package", 165.0),
    ("Training workshop (on site)", 220.0),
    ("Monthly retainer {month}", 900.0),
    ("Travel expenses re-billed", 95.0),
)
_SAAS_LINES = (
    ("Subscription - {plan} plan {month}", 45.0),
    ("Additional user seats", 30.0),
    ("Onboarding package", 400.0),
    ("Premium support {month}", 250.0),
    ("API overage charges {month}", 12.0),
)
_RETAIL_LINES = (
    ("Office chairs (ergonomic)", 240.0),
    ("Standing desks", 520.0),
    ("Shelving units", 130.0),
    ("Delivery and installation", 85.0),
    ("Storage cabinets", 310.0),
    ("Conference tables", 780.0),
)

PROFILES: dict[str, CompanyProfile] = {
    "services": CompanyProfile(
        "Service Revenue",
        _SERVICE_LINES,
        (1, 24),
        {"travel": 1.3, "professional_services": 1.2, "meals": 1.1},
    ),
    "saas": CompanyProfile(
        "Subscription Revenue",
        _SAAS_LINES,
        (1, 40),
        {"software": 1.6, "marketing": 1.3, "hardware": 1.1},
    ),
    "retail": CompanyProfile(
        "Sales Revenue",
        _RETAIL_LINES,
        (1, 20),
        {"office_supplies": 1.5, "marketing": 1.2, "utilities": 1.0},
    ),
}
SAAS_PLANS: tuple[str, ...] = ("Starter", "Team", "Business", "Enterprise")
