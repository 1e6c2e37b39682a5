"""The interface text in English and Finnish (``?lang=fi``); theme labels come from the
registry, which has both."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LANGUAGES", "TEXT", "translator"]

LANGUAGES = ("en", "fi")

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Erasmus+ Partner Matcher", "Erasmus+ -kumppanihaku"),
    "nav.search": ("Search partners", "Hae kumppaneita"),
    "nav.consortium": ("Consortium builder", "Konsortion kokoaminen"),
    "nav.api": ("API", "Rajapinta"),
    "skip": ("Skip to content", "Siirry sisältöön"),
    "search.heading": ("Find partners", "Etsi kumppaneita"),
    "search.text": ("Project idea", "Hankeidea"),
    "search.text.help": ("In your own words, in any language.",
                         "Omin sanoin, millä kielellä tahansa."),
    "search.org": ("Partners for this organisation (PIC, Erasmus code or name)",
                   "Kumppanit tälle organisaatiolle (PIC, Erasmus-koodi tai nimi)"),
    "search.themes": ("Themes", "Teemat"),
    "search.topics": ("Call topic (e.g. SwafS-09-2018 or SwafS)",
                      "Haun aihe (esim. SwafS-09-2018 tai SwafS)"),
    "search.countries": ("Countries", "Maat"),
    "search.multi.help": ("Hold Ctrl (Cmd) to choose several; none chosen: any.",
                          "Valitse useita Ctrl- (Cmd-) näppäimellä; ei valintaa: kaikki."),
    "search.types": ("Organisation types", "Organisaatiotyypit"),
    "search.eche": ("Only holders of the Erasmus Charter (ECHE)",
                    "Vain Erasmus-peruskirjan (ECHE) haltijat"),
    "search.action": ("Action", "Toimi"),
    "search.programme_only": ("Only countries that count for the action",
                              "Vain toimen kannalta laskettavat maat"),
    "search.k": ("Results", "Tuloksia"),
    "search.submit": ("Search", "Hae"),
    "search.results": ("Results", "Tulokset"),
    "search.none": ("No results.", "Ei tuloksia."),
    "search.export": ("Export this shortlist", "Vie tämä lista"),
    "col.rank": ("#", "#"),
    "col.name": ("Name", "Nimi"),
    "col.country": ("Country", "Maa"),
    "col.type": ("Type", "Tyyppi"),
    "col.score": ("Score", "Pisteet"),
    "col.why": ("Why", "Miksi"),
    "col.eche": ("ECHE", "ECHE"),
    "add": ("Add to consortium", "Lisää konsortioon"),
    "add.short": ("add", "lisää"),
    "remove": ("remove", "poista"),
    "yes": ("yes", "kyllä"),
    "no_pic": ("no PIC", "ei PIC-tunnusta"),
    "no": ("no", "ei"),
    "org.identifiers": ("Identifiers", "Tunnisteet"),
    "org.country": ("Country", "Maa"),
    "org.type": ("Type", "Tyyppi"),
    "org.website": ("Website", "Verkkosivusto"),
    "org.eche": ("ECHE", "ECHE"),
    "org.eche.valid": ("valid", "voimassa"),
    "org.eche.invalid": ("not valid today", "ei voimassa tänään"),
    "org.description": ("Description", "Kuvaus"),
    "org.declared": ("Declared themes", "Ilmoitetut teemat"),
    "org.project_themes": ("Themes of its projects", "Hankkeiden teemat"),
    "org.projects": ("Past projects", "Aiemmat hankkeet"),
    "org.partners": ("Past partners", "Aiemmat kumppanit"),
    "org.shared": ("shared projects", "yhteisiä hankkeita"),
    "org.more": ("more projects: the API lists all", "muuta hanketta: rajapinta listaa kaikki"),
    "col.identifier": ("Project", "Hanke"),
    "col.programme": ("Programme", "Ohjelma"),
    "col.action": ("Action", "Toimi"),
    "col.year": ("Year", "Vuosi"),
    "col.role": ("Role", "Rooli"),
    "col.title": ("Title", "Nimi"),
    "cons.heading": ("Consortium builder", "Konsortion kokoaminen"),
    "cons.members": ("Members", "Jäsenet"),
    "cons.empty": ("No members yet: add one by name or PIC, or from a search.",
                   "Ei vielä jäseniä: lisää nimellä tai PIC-tunnuksella tai hausta."),
    "cons.add": ("Add an organisation (name, PIC or Erasmus code)",
                 "Lisää organisaatio (nimi, PIC tai Erasmus-koodi)"),
    "cons.add.submit": ("Add", "Lisää"),
    "cons.call_year": ("Call year", "Hakuvuosi"),
    "cons.latest": ("latest", "viimeisin"),
    "cons.update": ("Check", "Tarkista"),
    "cons.eligible": ("eligible", "kelpoinen"),
    "cons.eligible.long": ("Eligible for {action}, {year} call.",
                           "Kelpoinen toimeen {action}, vuoden {year} haku."),
    "cons.violations": ("Not eligible for {action}, {year} call:",
                        "Ei kelpoinen toimeen {action}, vuoden {year} haku:"),
    "cons.idea": ("What the project is about (for complete and propose)",
                  "Mistä hanke kertoo (täydennystä ja ehdotusta varten)"),
    "cons.complete": ("Complete", "Täydennä"),
    "cons.propose": ("Propose around the first member",
                     "Ehdota ensimmäisen jäsenen ympärille"),
    "cons.alternatives": ("Alternatives", "Vaihtoehdot"),
    "cons.use": ("Use this consortium", "Käytä tätä konsortiota"),
    "cons.added": ("added", "lisätty"),
    "cons.export": ("Export this consortium", "Vie tämä konsortio"),
    "cons.search": ("Search partners for this consortium", "Hae kumppaneita tähän konsortioon"),
    "error": ("Error", "Virhe"),
    "error.field": ("about", "koskee"),
    "lang.other": ("Suomeksi", "In English"),
    "type.higher-education": ("higher education", "korkeakoulu"),
    "type.school": ("school", "koulu"),
    "type.research": ("research", "tutkimus"),
    "type.company": ("company", "yritys"),
    "type.ngo": ("NGO", "kansalaisjärjestö"),
    "type.public-body": ("public body", "julkinen toimija"),
    "type.network": ("network", "verkosto"),
    "type.other": ("other", "muu"),
    "kind.seed": ("Themes", "Teemat"),
    "kind.priority": ("Priorities 2021-27", "Painopisteet 2021-27"),
    "kind.topic": ("Erasmus+ topics", "Erasmus+ -aiheet"),
    "kind.programme-part": ("Horizon 2020 parts", "Horisontti 2020 -osat"),
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)``: the text of ``key`` in ``lang`` (English when unknown)."""
    index = LANGUAGES.index(lang) if lang in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        pair = TEXT.get(key)
        text = key if pair is None else pair[index]
        return text.format(**values) if values else text

    return t
