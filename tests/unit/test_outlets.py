"""Outlet attribution on the real sample dumps, and the registry seed's shape."""
import csv
from pathlib import Path

import pytest

from orchestration.core.outlets import (
    REGISTRY_COLUMNS,
    attribute_outlet,
    find_marker_hits,
    load_registry,
)
from orchestration.core.types import ATTRIBUTION_METHODS
from orchestration.settings import DEFAULT_OUTLET_REGISTRY

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples" / "landing"

# ISO 3166-1 alpha-2, officially assigned codes.
ISO_COUNTRIES = set("""
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE
EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM
HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC
LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
""".split())

# Who published each sample, read off the pages by a person (the pipeline must find it alone).
SAMPLE_PUBLISHERS = {
    "000_5a453cdda17c36e7.txt": "globalmbwatch",   # "The GMBDW reported last month ..."
    "001_876ff53b270cd303.txt": "warincontext",    # "X reports: ... [Continue reading…]"
    "002_07b8c526e59b7ca9.txt": "alalam",          # related-article pictures /alalam_*.jpg
    "003_6b27b2eb3a08ac65.txt": "ynetnews",        # "See all talkbacks" comment furniture
    "004_69145af5bc353dce.txt": "wnd",             # "WND broke the story"
}


def sample_text(name: str) -> str:
    return (SAMPLES / name).read_bytes().decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def registry():
    return load_registry(DEFAULT_OUTLET_REGISTRY)


# --- registry ------------------------------------------------------------------------------

def test_registry_csv_is_well_formed():
    with DEFAULT_OUTLET_REGISTRY.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == REGISTRY_COLUMNS
        rows = list(reader)
    assert len(rows) >= 40
    ids = [r["outlet_id"] for r in rows]
    domains = [r["domain"] for r in rows if r["domain"]]
    assert len(ids) == len(set(ids)), "duplicate outlet_id"
    assert len(domains) == len(set(domains)), "duplicate domain"
    for row in rows:
        assert row["outlet_id"] and row["outlet_id"] == row["outlet_id"].lower().strip()
        assert row["name"].strip()
        assert row["country"] in ISO_COUNTRIES, row
        assert "." in row["domain"] and not row["domain"].startswith("www."), row
        markers = row["markers"].split("|")
        assert all(m.strip() == m and m for m in markers), row


def test_registry_covers_major_outlets(registry):
    for domain in ("reuters.com", "apnews.com", "afp.com", "bbc.co.uk", "cnn.com", "nytimes.com",
                   "washingtonpost.com", "theguardian.com", "aljazeera.com", "haaretz.com",
                   "timesofisrael.com", "jpost.com", "ynetnews.com", "foxnews.com", "nbcnews.com",
                   "cbsnews.com", "abcnews.go.com", "npr.org", "bloomberg.com", "wsj.com", "ft.com",
                   "economist.com", "lemonde.fr", "spiegel.de", "elpais.com", "dw.com",
                   "france24.com", "rt.com", "xinhuanet.com", "alarabiya.net", "alalam.ir",
                   "presstv.ir", "maannews.com", "i24news.tv", "buzzfeed.com",
                   "huffingtonpost.com", "politico.com", "thehill.com", "thedailybeast.com",
                   "usatoday.com"):
        assert registry.by_host(domain) is not None, domain


def test_configured_registry_replaces_the_seed(tmp_path):
    from orchestration.settings import load_settings

    custom = tmp_path / "outlets.csv"
    custom.write_text("outlet_id,name,domain,country,markers\nx,Example,example.org,US,Example Daily\n",
                      encoding="utf-8")
    settings = load_settings({"CLAIMGRID_OUTLET_REGISTRY": str(custom)})
    assert load_settings({}).outlet_registry == DEFAULT_OUTLET_REGISTRY.resolve()
    reg = load_registry(settings.outlet_registry)
    assert [o.outlet_id for o in reg.outlets] == ["x"]
    assert reg.by_host("news.example.org").outlet_id == "x"


# --- the samples -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,publisher", sorted(SAMPLE_PUBLISHERS.items()))
def test_each_sample_is_attributed_to_its_publisher_by_markers(registry, name, publisher):
    attribution = attribute_outlet(name[:3], sample_text(name), registry)
    assert attribution.outlet_id == publisher
    assert attribution.method == "marker"
    assert attribution.method in ATTRIBUTION_METHODS
    assert attribution.outlet is not None and attribution.outlet.outlet_id == publisher
    assert attribution.evidence


def test_citing_buzzfeed_never_makes_buzzfeed_the_publisher(registry):
    citing = [n for n in SAMPLE_PUBLISHERS if "BuzzFeed" in sample_text(n) or "Buzzfeed" in sample_text(n)]
    assert len(citing) >= 3     # the samples that cite BuzzFeed ("told BuzzFeed", "reported BuzzFeed")
    for name in citing:
        attribution = attribute_outlet(name, sample_text(name), registry)
        assert attribution.outlet_id != "buzzfeed"


def test_citation_contexts_do_not_count(registry):
    text = ("A senior official told BuzzFeed News on Tuesday that talks happened. "
            "BuzzFeed News reported the talks first. According to BuzzFeed News, they lasted months. "
            "Photo: BuzzFeed News\n")
    assert all(h.weight == 0 for h in find_marker_hits(text, registry) if h.outlet_id == "buzzfeed")
    assert attribute_outlet("d1", text, registry).method == "unknown"
    # ... while the same name as the page's own furniture does count
    own = text + "\nCopyright © 2014 BuzzFeed, Inc. All rights reserved.\n"
    attribution = attribute_outlet("d1", own, registry)
    assert (attribution.outlet_id, attribution.method) == ("buzzfeed", "marker")


def test_self_reference_in_a_citing_outlet_is_not_confused_with_the_cited_one(registry):
    # A source "told Ynet" inside Ynet's own page is a citation context too: it is the page
    # furniture that decides, not the name in the prose.
    attribution = attribute_outlet("003", sample_text("003_6b27b2eb3a08ac65.txt"), registry)
    assert "See all talkbacks" in attribution.evidence


# --- priority --------------------------------------------------------------------------------

def test_manifest_beats_html_meta_beats_marker(registry):
    text = sample_text("003_6b27b2eb3a08ac65.txt")     # markers say Ynetnews
    by_marker = attribute_outlet("d", text, registry)
    by_meta = attribute_outlet("d", text, registry, url="https://www.haaretz.com/news/1.596")
    by_manifest = attribute_outlet("d", text, registry, manifest_outlet="Reuters",
                                   url="https://www.haaretz.com/news/1.596")
    assert (by_marker.outlet_id, by_marker.method) == ("ynetnews", "marker")
    assert (by_meta.outlet_id, by_meta.method) == ("haaretz", "html_meta")
    assert (by_manifest.outlet_id, by_manifest.method) == ("reuters", "manifest")
    assert by_manifest.evidence == "Reuters"


def test_manifest_outlet_resolves_by_id_name_or_domain_else_slug(registry):
    assert attribute_outlet("d", "", registry, manifest_outlet="wnd").outlet_id == "wnd"
    assert attribute_outlet("d", "", registry, manifest_outlet="The Guardian").outlet_id == "theguardian"
    assert attribute_outlet("d", "", registry, manifest_outlet="www.aljazeera.com").outlet_id == "aljazeera"
    unregistered = attribute_outlet("d", "", registry, manifest_outlet="Gaza Daily Post")
    assert (unregistered.outlet_id, unregistered.method, unregistered.outlet) == ("gaza-daily-post", "manifest", None)


def test_html_meta_matches_subdomains_and_keeps_unregistered_domains(registry):
    sub = attribute_outlet("d", "", registry, canonical_url="http://english.alarabiya.net/en/News/2014/06/05/x.html")
    assert (sub.outlet_id, sub.method) == ("alarabiya", "html_meta")
    edition = attribute_outlet("d", "", registry, hostname="edition.cnn.com")
    assert edition.outlet_id == "cnn"
    site = attribute_outlet("d", "", registry, site_name="The Times of Israel")
    assert (site.outlet_id, site.method) == ("timesofisrael", "html_meta")
    other = attribute_outlet("d", "", registry, url="https://www.gazadailypost.example/2014/06/talks")
    assert (other.outlet_id, other.method, other.outlet) == ("gazadailypost-example", "html_meta", None)
    # canonical URL outranks the fetched URL (a proxy or syndication host)
    both = attribute_outlet("d", "", registry, url="https://news.yahoo.com/x", canonical_url="https://www.reuters.com/x")
    assert both.outlet_id == "reuters"


def test_unknowns_are_one_per_document(registry):
    plain = "Officials met on Tuesday. Nobody said where."
    a = attribute_outlet("aaaa", plain, registry)
    b = attribute_outlet("bbbb", plain, registry)
    assert (a.method, b.method) == ("unknown", "unknown")
    assert a.outlet_id == "unknown-aaaa" and b.outlet_id == "unknown-bbbb"
    assert a.outlet is None and a.evidence is None


def test_copyright_line_counts_even_with_by_but_a_photo_credit_does_not(registry):
    owned = "Talks were held in Doha.\nCopyright 2014 by The New York Times Company. All rights reserved.\n"
    attribution = attribute_outlet("d", owned, registry)
    assert (attribution.outlet_id, attribution.method) == ("nytimes", "marker")
    credit = "Talks were held in Doha.\nPhoto: © Thomson Reuters\nMore text follows here in the body.\n"
    assert attribute_outlet("d", credit, registry).method == "unknown"


def test_domain_markers_match_on_subdomains_but_not_inside_words(registry):
    footer = "Officials met in Doha on Tuesday, diplomats said.\n\nwww.rt.com\n"
    assert attribute_outlet("d", footer, registry).outlet_id == "rt"
    inside = "Officials met in Doha on Tuesday.\n\nSee airport.com\n"
    assert attribute_outlet("d", inside, registry).method == "unknown"
