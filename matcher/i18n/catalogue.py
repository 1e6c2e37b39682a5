"""The catalogue: every sentence of the pages, the API, the reasons, notes, rule violations and
errors, each as ``key: (English, Finnish)``.

A key ending in ``.one`` is the singular of the key without it, used when the value ``n`` is 1.
Values in braces are filled by :func:`matcher.i18n.message`; a value that is itself a
catalogue text is said in the same language. Country names come from CLDR (through Babel),
theme labels from the registry, which has both languages.
"""

from __future__ import annotations

__all__ = ["COUNTING", "FIELDS", "MESSAGES"]

#: The web page and the API: labels, buttons, headings.
_PAGES: dict[str, tuple[str, str]] = {
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
    "search.multi.help": (("Type a code or a name to filter, arrow keys and Enter to add; a "
                          "chosen one is removed by its button. None chosen: any. (Without "
                          "JavaScript: hold Ctrl or Cmd to choose several.)"),
                          ("Rajaa kirjoittamalla koodi tai nimi, lisää nuolinäppäimillä ja "
                          "Enterillä; valinnan voi poistaa sen painikkeella. Ei valintaa: "
                          "kaikki. (Ilman JavaScriptiä: valitse useita Ctrl- tai "
                          "Cmd-näppäimellä.)")),
    "picker.placeholder.countries": ("code or name, in English or Finnish",
                                     "koodi tai nimi, suomeksi tai englanniksi"),
    "picker.placeholder.themes": ("a theme, in English or Finnish",
                                  "teema, suomeksi tai englanniksi"),
    "picker.placeholder.types": ("a type of organisation", "organisaation tyyppi"),
    "picker.remove": ("remove", "poista"),
    "picker.added": ("added:", "lisätty:"),
    "picker.removed": ("removed:", "poistettu:"),
    "picker.chosen": ("Chosen", "Valitut"),
    "picker.groups": ("Add a group of countries", "Lisää maaryhmä"),
    "group.eu": ("EU member states", "EU:n jäsenvaltiot"),
    "group.associated": ("Non-EU programme countries", "EU:n ulkopuoliset ohjelmamaat"),
    "group.partner": ("Partner countries", "Kumppanimaat"),
    "group.notyet": ("Countries not yet in this consortium",
                     "Maat, joita konsortiossa ei vielä ole"),
    "group.clear": ("Clear", "Tyhjennä"),
    "search.types": ("Organisation types", "Organisaatiotyypit"),
    "search.eche": ("Only holders of the Erasmus Charter (ECHE)",
                    "Vain Erasmus-peruskirjan (ECHE) haltijat"),
    "search.action": ("Action", "Toimi"),
    "search.programme_only": ("Only countries that count for the action",
                              "Vain toimen kannalta laskettavat maat"),
    "search.k": ("Results", "Tuloksia"),
    "search.exclude_countries": ("Never from these countries (a code or a name in each box)",
                                 "Ei näistä maista (koodi tai nimi kuhunkin kenttään)"),
    "search.include_unnamed": ("Also organisations known only by their PIC",
                               "Myös organisaatiot, jotka tunnetaan vain PIC-koodista"),
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
    "field.countries": ("countries", "maat"),
    "field.exclude_countries": ("exclude_countries", "poissuljetut maat"),
    "field.themes": ("themes", "teemat"),
    "field.types": ("types", "organisaatiotyypit"),
    "field.org": ("org", "organisaatio"),
    "field.text": ("text", "hankeidea"),
    "field.topics": ("topics", "haun aihe"),
    "field.members": ("members", "jäsenet"),
    "field.action": ("action", "toimi"),
    "field.k": ("k", "tuloksia"),
    "field.size": ("size", "koko"),
    "field.call_year": ("call_year", "hakuvuosi"),
    "field.lead": ("lead", "koordinaattori"),
    "field.coordinator": ("coordinator", "koordinaattori"),
    "field.n": ("n", "vaihtoehtoja"),
    "field.request": ("request", "pyyntö"),
    "export.member": ("member {i} of {of}", "jäsen {i}/{of}"),
    "export.eligible": ("eligible for {action} ({year} call)",
                        "kelpoinen toimeen {action} (vuoden {year} haku)"),
    "export.not_yet": ("not yet eligible for {action} ({year} call)",
                       "ei vielä kelpoinen toimeen {action} (vuoden {year} haku)"),
    "role.coordinator": ("coordinator", "koordinaattori"),
    "role.partner": ("partner", "kumppani"),
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
    "org.indexing": (("This organisation was added to the registry after the search index in "
                      "use was built. The index is being refreshed: in a few seconds the "
                      "organisation can be searched for and added to a consortium (reload "
                      "the page)."),
                     ("Tämä organisaatio lisättiin rekisteriin käytössä olevan hakuindeksin "
                      "rakentamisen jälkeen. Indeksiä päivitetään: muutaman sekunnin kuluttua "
                      "organisaatiota voi hakea ja sen voi lisätä konsortioon (lataa sivu "
                      "uudelleen).")),
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
    "cons.more": ("More options", "Lisää valintoja"),
    "cons.field.coordinator": ("Coordinator (PIC, Erasmus code or name)",
                               "Koordinaattori (PIC, Erasmus-koodi tai nimi)"),
    "cons.field.size": ("Organisations in the whole consortium (MIN..MAX or N)",
                        "Organisaatioita koko konsortiossa (MIN..MAX tai N)"),
    "cons.field.n": ("Alternatives to show", "Näytettäviä vaihtoehtoja"),
    "cons.field.idea_weight": ("How much closeness to the idea counts (0 to 1)",
                               "Kuinka paljon läheisyys hankeideaan painaa (0–1)"),
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

#: Why a result is listed (:mod:`matcher.ranking.explain`).
_REASONS: dict[str, tuple[str, str]] = {
    "why.latent": (("fits consortia like yours: {fit:.2f} of the best fit (learned from who "
                   "worked with whom)"),
                   ("sopii kaltaisiisi konsortioihin: {fit:.2f} parhaasta sopivuudesta (opittu "
                   "siitä, kuka on tehnyt yhteistyötä kenen kanssa)")),
    "why.complementary": ("complementary type: {category} (query: {theirs})",
                          "täydentävä tyyppi: {category} (haettu: {theirs})"),
    "why.new_country": ("adds a new country: {country}", "tuo uuden maan: {country}"),
    "why.category_in": ("{category} in {country}", "{category}, {country}"),
    "why.experienced": ("experienced: {n} past projects", "kokemusta: {n} aiempaa hanketta"),
    "why.experienced.one": ("experienced: {n} past project", "kokemusta: {n} aiempi hanke"),
    "why.no_projects": ("no past projects in the registry",
                        "ei aiempia hankkeita rekisterissä"),
    "why.closest": ("closest, without evidence of the topic: {cite}",
                    "lähin, ilman näyttöä aiheesta: {cite}"),
    "why.more_on_topic": ("and {n} more past projects on the topic",
                          "ja {n} muuta aiempaa hanketta aiheesta"),
    "why.more_on_topic.one": ("and {n} more past project on the topic",
                              "ja {n} muu aiempi hanke aiheesta"),
    "why.topic_family": ("{n} past projects in call-topic family {families}",
                         "{n} aiempaa hanketta hakuaiheperheessä {families}"),
    "why.topic_family.one": ("{n} past project in call-topic family {families}",
                             "{n} aiempi hanke hakuaiheperheessä {families}"),
    "why.in_call": ("{words} in its call ({call})", "{words} sen haussa ({call})"),
    "why.took_part": ("took part in {label}: {title}{said}",
                      "osallistui hankkeeseen {label}: {title}{said}"),
    "why.took_part_untitled": ("took part in {label}{said}",
                               "osallistui hankkeeseen {label}{said}"),
    "why.profile": ("its profile{said}", "sen profiili{said}"),
    "why.matches": (" (matches: {what})", " (vastaa: {what})"),
    "why.shares_only": (" (shares only: {what})", " (yhteistä vain: {what})"),
    "why.worked_with": ("worked with {names} on {n} past projects",
                        "aiempaa yhteistyötä: {names}, {n} hanketta"),
    "why.worked_with.one": ("worked with {names} on {n} past project",
                            "aiempaa yhteistyötä: {names}, {n} hanke"),
    "why.names_more": ("{names} and {more} more", "{names} ja {more} muuta"),
    "why.partner_of": ("partner of {n} of your partners: {names}",
                       "{n} kumppanisi kumppani: {names}"),
    "why.partner_of.one": ("partner of {n} of your partner: {names}",
                           "{n} kumppanisi kumppani: {names}"),
    "why.shared_themes": ("shared themes: {themes}", "yhteiset teemat: {themes}"),
}

#: Why a consortium is proposed (:mod:`matcher.consortium.builder`).
_CONSORTIA: dict[str, tuple[str, str]] = {
    "cons.adds": ("adds {name} ({country}, {category}): {reasons}",
                  "lisää {name} ({country}, {category}): {reasons}"),
    "cons.adds_bare": ("adds {name} ({country}, {category})",
                       "lisää {name} ({country}, {category})"),
    "cons.counting": ("{n} {counting} ({codes}); {action} needs {min}",
                      "{n} maata, joista {counting} ({codes}); {action} vaatii {min}"),
    "cons.partners": ("partners from other countries: {codes}",
                      "kumppanit muista maista: {codes}"),
    "cons.types": ("{n} organisation types: {types}", "{n} organisaatiotyyppiä: {types}"),
    "cons.types.one": ("{n} organisation type: {types}", "{n} organisaatiotyyppi: {types}"),
    "cons.pairs": ("{n} of {total} member pairs have worked together before",
                   "{n}/{total} jäsenparista on tehnyt yhteistyötä aiemmin"),
}

#: The eligibility rules' violations (:mod:`matcher.consortium.rules`).
_RULES: dict[str, tuple[str, str]] = {
    "rule.call": ("{action} ({year} call)", "{action} (vuoden {year} haku)"),
    "rule.min_organisations": (
        ("{where} needs at least {min} organisations; this consortium has {have}: add "
        "{missing} more."),
        ("{where} vaatii vähintään {min} organisaatiota; tässä konsortiossa on {have}: lisää "
        "vielä {missing}.")),
    "rule.min_countries": (
        ("{where} needs organisations from at least {min} different {counting}; this "
        "consortium has {have} ({codes}{aside}): add organisations from {missing} more of "
        "them."),
        ("{where} vaatii organisaatioita vähintään {min} eri maasta, joiden on oltava "
        "{counting}; tässä konsortiossa on {have} ({codes}{aside}): lisää organisaatioita "
        "vielä {missing} tällaisesta maasta.")),
    "rule.none": ("none", "ei yhtään"),
    "rule.aside": ("; {others} do not count in {year} calls",
                   "; {others} eivät ole laskettavia vuoden {year} haussa"),
    "rule.aside.one": ("; {others} does not count in {year} calls",
                       "; {others} ei ole laskettava vuoden {year} haussa"),
    "rule.other_countries": (
        ("{where} is open only to organisations from {counting}; these cannot take part: "
        "{names}."),
        ("{where} on avoin vain organisaatioille, joiden maat ovat {counting}; nämä eivät voi "
        "osallistua: {names}.")),
    "rule.coordinator": (
        ("The coordinator of a {where} project must be established in one of the {counting}; "
        "{name} is in {country}, which may only take part as a partner. Choose another "
        "coordinator."),
        ("Hankkeen {where} koordinaattorin on oltava sijoittunut maahan, joka kuuluu näihin: "
        "{counting}; {name} on maassa {country}, joka voi osallistua vain kumppanina. Valitse "
        "toinen koordinaattori.")),
    "rule.no_coordinator": (
        ("No member can coordinate a {where} project: the coordinator must be established in "
        "one of the {counting}."),
        ("Mikään jäsen ei voi koordinoida hanketta {where}: koordinaattorin on oltava "
        "sijoittunut maahan, joka kuuluu näihin: {counting}.")),
    "rule.eche": (
        ("{name} ({country}) is a higher-education institution in one of the {counting} "
        "without a valid Erasmus Charter for Higher Education (ECHE); it cannot take part in "
        "{action} until it holds one."),
        ("{name} ({country}) on korkeakoulu maassa, joka kuuluu näihin: {counting}, ilman "
        "voimassa olevaa Erasmus-peruskirjaa (ECHE); se ei voi osallistua toimeen {action} "
        "ennen kuin sillä on sellainen.")),
    "rule.field": (
        ("{action} is for {field}; a consortium made only of higher-education institutions is "
        "a higher-education project{hint}."),
        ("{action} on tarkoitettu alalle {field}; pelkistä korkeakouluista koostuva konsortio "
        "on korkea-asteen hanke{hint}.")),
    "rule.field_hint": (": apply under {actions}", ": hae toimessa {actions}"),
}

#: Notes on a search's or a consortium's answer (:mod:`matcher.partners`,
#: :mod:`matcher.vocabulary`).
_NOTES: dict[str, tuple[str, str]] = {
    "language.fi": ("Finnish", "suomeksi"),
    "language.sv": ("Swedish", "ruotsiksi"),
    "language.en": ("English", "englanniksi"),
    "note.unknown_words": (
        "read as {language}; words the glossary does not know, left out: {words}",
        "luettu kielellä {language}; sanaston tuntemattomat sanat jätettiin pois: {words}"),
    "note.its_words": ("its words", "sen sanat"),
    "note.among": (" allowed by the filters", " suodattimien sallimista"),
    "note.none": (
        ("no organisation{among} has a past project or description about this idea's topic "
        "({topic}) or close to it; rephrase the idea with other words, relax the filters, or "
        "import Erasmus+ project results (`matcher import eplus`) or your own profiles"),
        ("yhdelläkään organisaatiolla{among} ei ole aiempaa hanketta tai kuvausta tämän idean "
        "aiheesta ({topic}) tai sen läheltä; muotoile idea toisin sanoin, väljennä "
        "suodattimia tai tuo Erasmus+ -hankkeiden tulokset (`matcher import eplus`) tai omat "
        "profiilisi")),
    "note.only_closest": (
        ("no organisation{among} has a past project or description about this idea's topic "
         "({topic}); the {n} listed are the closest, sharing part of it, not matches"),
        ("yhdelläkään organisaatiolla{among} ei ole aiempaa hanketta tai kuvausta tämän idean "
         "aiheesta ({topic}); luetellut {n} ovat lähimmät, joilla on osa siitä yhteistä, "
         "eivät osumia")),
    "note.only_closest.one": (
        ("no organisation{among} has a past project or description about this idea's topic "
         "({topic}); the one listed is the closest, sharing part of it, not a match"),
        ("yhdelläkään organisaatiolla{among} ei ole aiempaa hanketta tai kuvausta tämän idean "
         "aiheesta ({topic}); ainoa lueteltu on lähin, jolla on osa siitä yhteistä, ei "
         "osuma")),
    "note.only": (
        ("only {n} organisations{among} have a past project or description about this idea's "
        "topic ({topic}){after}"),
        ("vain {n} organisaatiolla{among} on aiempi hanke tai kuvaus tämän idean aiheesta "
        "({topic}){after}")),
    "note.only.one": (
        ("only {n} organisation{among} has a past project or description about this idea's "
        "topic ({topic}){after}"),
        ("vain {n} organisaatiolla{among} on aiempi hanke tai kuvaus tämän idean aiheesta "
        "({topic}){after}")),
    "note.after": ("; the {shown} after them are the closest, sharing part of it, not matches",
                   ("; niiden jälkeiset {shown} ovat lähimmät, joilla on osa siitä yhteistä, "
                   "eivät osumia")),
    "note.by_activity": (
        ("nothing in the registry matches the themes or call topic of this idea (no "
         "organisation's past project or declared theme has them): the results are ranked by "
         "activity only"),
        ("mikään rekisterissä ei vastaa tämän idean teemoja tai haun aihetta (yhdenkään "
         "organisaation aiemmassa hankkeessa tai ilmoitetuissa teemoissa niitä ei ole): "
         "tulokset on järjestetty vain aktiivisuuden mukaan")),
    "note.only_in_topic": (
        ("only {n} organisations allowed by the filters have a past project or theme in this "
         "call topic or theme; the others are left out rather than listed by activity"),
        ("vain {n} suodattimien sallimalla organisaatiolla on aiempi hanke tai teema tässä "
         "haun aiheessa tai teemassa; muut jätetään pois eikä niitä listata aktiivisuuden "
         "mukaan")),
    "note.only_in_topic.one": (
        ("only {n} organisation allowed by the filters has a past project or theme in this "
         "call topic or theme; the others are left out rather than listed by activity"),
        ("vain {n} suodattimien sallimalla organisaatiolla on aiempi hanke tai teema tässä "
         "haun aiheessa tai teemassa; muut jätetään pois eikä niitä listata aktiivisuuden "
         "mukaan")),
    "note.empty.in": ("{n:,} in {codes}", "{n:,} maissa {codes}"),
    "note.empty.outside": ("{n:,} outside {codes}", "{n:,} maiden {codes} ulkopuolella"),
    "note.empty.of_type": ("{n:,} of type {types}", "{n:,} tyyppiä {types}"),
    "note.empty.eche": ("{n:,} ECHE holders", "{n:,} ECHE-peruskirjan haltijaa"),
    "note.empty.named": ("{n:,} with a name (--include-unnamed shows the others)",
                         "{n:,} nimettyä (--include-unnamed näyttää muut)"),
    "note.empty.none": (("no organisation to rank: the registry has none besides the query's "
                        "own"),
                        ("ei järjestettäviä organisaatioita: rekisterissä ei ole muita kuin "
                        "haun oma")),
    "note.empty": (
        ("no organisation matches every filter: the registry has {parts}, {n:,} with all of "
         "them together (the query's own organisation excluded); relax a filter"),
        ("yksikään organisaatio ei vastaa kaikkia suodattimia: rekisterissä on {parts}, "
         "kaikki yhdessä täyttäviä {n:,} (haun omaa organisaatiota lukuun ottamatta); "
         "väljennä jotakin suodatinta")),
    "note.family_unknown": (("call-topic family {family} is not in the registry; nearest: "
                            "{nearest}"),
                            ("hakuaiheperhettä {family} ei ole rekisterissä; lähimmät: "
                            "{nearest}")),
}

#: Errors a page or the API shows (:mod:`matcher.vocabulary`, :mod:`matcher.names`).
_ERRORS: dict[str, tuple[str, str]] = {
    "web.database_down": ("the registry's database is not answering: try again in a minute",
                          "rekisterin tietokanta ei vastaa: yritä uudelleen hetken kuluttua"),
    "web.timed_out": (("the request took over {seconds:g} s, the most one may take: ask for "
                       "less (fewer members, a shorter text), or try again later"),
                      ("pyyntö kesti yli {seconds:g} s, pisimmän sallitun ajan: pyydä vähemmän "
                       "(vähemmän jäseniä, lyhyempi teksti) tai yritä myöhemmin uudelleen")),
    "web.not_found": ("no such page: {path}", "sivua ei ole: {path}"),
    "error.not_yet_indexed": (
        ("{ref} is in the registry but not yet in the search index: the index is being "
         "refreshed; try again in a few seconds"),
        ("{ref} on rekisterissä mutta ei vielä hakuindeksissä: indeksiä päivitetään; yritä "
         "uudelleen muutaman sekunnin kuluttua")),
    "error.unknown_country": (
        ("unknown country {value}: use an Erasmus code (FI, DE, EL for Greece, UK), an ISO code "
        "or a name (Finland, Suomi); nearest: {nearest}"),
        ("tuntematon maa {value}: käytä Erasmus-koodia (FI, DE, EL = Kreikka, UK), ISO-koodia "
        "tai nimeä (Finland, Suomi); lähimmät: {nearest}")),
    "error.unknown_theme": (
        "unknown theme {value}; nearest: {nearest}. List them all with `matcher themes`.",
        "tuntematon teema {value}; lähimmät: {nearest}. Kaikki teemat: `matcher themes`."),
    "error.none_close": ("none close", "ei läheisiä"),
    "error.unknown_type": (
        ("unknown organisation type {value}; valid types: {valid} (or an EPLUS-* / CORDIS type "
        "code such as HES, PRC); nearest: {nearest}"),
        ("tuntematon organisaatiotyyppi {value}; sallitut tyypit: {valid} (tai EPLUS-* / "
        "CORDIS-tyyppikoodi, kuten HES, PRC); lähimmät: {nearest}")),
    "error.unknown_organisation": (
        ("unknown organisation {ref}: give a 9-digit PIC, an OID (E + 8 digits), an Erasmus "
        "code (e.g. 'SF HELSINK01'), an internal id (#12) or a name{hint}. Find one with "
        "`matcher orgs --name ...`."),
        ("tuntematon organisaatio {ref}: anna 9-numeroinen PIC, OID (E + 8 numeroa), "
        "Erasmus-koodi (esim. 'SF HELSINK01'), sisäinen tunniste (#12) tai nimi{hint}. Etsi "
        "komennolla `matcher orgs --name ...`.")),
    "error.names_close": ("; names close to it: {names}", "; lähellä olevat nimet: {names}"),
    "error.ambiguous": (
        "organisation {ref} is ambiguous: {candidates}; give the PIC of the one you mean.",
        ("organisaatio {ref} on monitulkintainen: {candidates}; anna tarkoittamasi "
        "organisaation PIC.")),
    "error.not_eligible": ("not eligible for {action} ({year} call): {n} rules broken",
                           ("ei kelpoinen toimeen {action} (vuoden {year} haku): {n} sääntöä "
                           "rikottu")),
    "error.not_eligible.one": ("not eligible for {action} ({year} call): {n} rule broken",
                               ("ei kelpoinen toimeen {action} (vuoden {year} haku): {n} sääntö "
                               "rikottu")),
    "error.too_long": ("{field}: {n:,} characters; at most {limit:,} may be given: shorten it",
                       "{field}: {n:,} merkkiä; enintään {limit:,} sallitaan: lyhennä"),
    "error.value_too_long": (
        ("{field}: {value} is longer than {limit} characters; no organisation, theme, country "
         "or type is named so long"),
        ("{field}: {value} on pidempi kuin {limit} merkkiä; minkään organisaation, teeman, "
         "maan tai tyypin nimi ei ole niin pitkä")),
    "error.too_many": ("{field}: {n:,} values; at most {limit:,} may be given: ask for fewer",
                       "{field}: {n:,} arvoa; enintään {limit:,} sallitaan: pyydä vähemmän"),
    "invalid.int_parsing": ("Input should be a valid integer", "arvon on oltava kokonaisluku"),
    "invalid.float_parsing": ("Input should be a valid number", "arvon on oltava luku"),
    "invalid.bool_parsing": ("Input should be a valid boolean",
                             "arvon on oltava tosi tai epätosi (true, false)"),
    "invalid.less_than_equal": ("Input should be less than or equal to {le}",
                                "arvon on oltava enintään {le}"),
    "invalid.greater_than_equal": ("Input should be greater than or equal to {ge}",
                                   "arvon on oltava vähintään {ge}"),
    "invalid.string_pattern_mismatch": ("String should match pattern '{pattern}'",
                                        "arvon on vastattava mallia '{pattern}'"),
    "invalid.missing": ("Field required", "arvo puuttuu"),
    "invalid.json_invalid": ("JSON decode error", "virheellinen JSON"),
    "error.no_members": ("give at least one member organisation",
                         "anna vähintään yksi jäsenorganisaatio"),
    "error.cannot_be_eligible": (
        "the given members cannot be part of an eligible {action} consortium: {violations}",
        "annetut jäsenet eivät voi kuulua kelpoiseen {action}-konsortioon: {violations}"),
    "error.no_evidence": (
        ("no organisation in the registry has a past project or description about this idea's "
        "topic, so none can be added for it: rephrase the idea, or complete without --text "
        "(the members' past collaborations and --theme or --topic then choose)"),
        ("rekisterin yhdelläkään organisaatiolla ei ole aiempaa hanketta tai kuvausta tämän "
        "idean aiheesta, joten sen perusteella ei voi lisätä ketään: muotoile idea toisin tai "
        "täydennä ilman --text-valintaa (silloin valitsevat jäsenten aiemmat yhteistyöt sekä "
        "--theme tai --topic)")),
    "error.propose_needs_idea": (
        "propose needs what the project is about: give --text, --theme or --topic",
        "ehdottaminen tarvitsee hankkeen aiheen: anna --text, --theme tai --topic"),
    "error.too_few_countries": (
        ("{action} needs organisations from at least {min} different {counting}; the given "
        "members cover {have} ({codes}) and the {candidates} eligible candidates left after the "
        "filters add {more} ({more_codes}) within {hi} members: relax "
        "--country/--exclude-country/--type or allow a larger --size"),
        ("{action} vaatii organisaatioita vähintään {min} eri maasta, joiden on oltava "
        "{counting}; annetut jäsenet kattavat {have} ({codes}) ja suodattimien jälkeen "
        "jäljellä olevat {candidates} kelpoista ehdokasta lisäävät {more} ({more_codes}) "
        "enintään {hi} jäsenen sisällä: väljennä valintoja --country/--exclude-country/--type "
        "tai salli suurempi --size")),
    "error.too_few_candidates": (
        ("only {candidates} eligible candidates are left after the filters, {needed} are "
        "needed: relax the filters"),
        ("suodattimien jälkeen kelpoisia ehdokkaita on jäljellä vain {candidates}, tarvitaan "
        "{needed}: väljennä suodattimia")),
    "error.no_consortium": (
        ("no {action} consortium of {lo}..{hi} members meets the rules with the {candidates} "
        "eligible candidates left after the filters (e.g. {action} needs a member that is not "
        "a higher-education institution): relax the filters"),
        ("mikään {lo}..{hi} jäsenen {action}-konsortio ei täytä sääntöjä suodattimien jälkeen "
        "jäljellä olevilla {candidates} kelpoisella ehdokkaalla (esim. {action} vaatii jäsenen, "
        "joka ei ole korkeakoulu): väljennä suodattimia")),
    "error.empty_query": (
        ("empty query: give an organisation (--org), a project idea (--text), a theme (--theme) "
        "or a call topic (--topic)"),
        ("tyhjä haku: anna organisaatio (--org), hankeidea (--text), teema (--theme) tai haun "
        "aihe (--topic)")),
    "error.no_letters": ("organisation {ref} has no letters or digits to look for",
                         "organisaatiossa {ref} ei ole etsittäviä kirjaimia tai numeroita"),
}

#: Which countries count for an action, as the rules' data name them.
COUNTING: dict[str, tuple[str, str]] = {
    "programme countries": ("programme countries", "ohjelmamaita"),
    "EU member states or third countries associated to the Programme": (
        "EU member states or third countries associated to the Programme",
        "EU:n jäsenvaltioita tai ohjelmaan assosioituneita kolmansia maita"),
}

#: The fields of education the actions are for.
FIELDS: dict[str, tuple[str, str]] = {
    "higher education": ("higher education", "korkea-asteen koulutus"),
    "more than one field of education, training and youth": (
        "more than one field of education, training and youth",
        "useampi koulutuksen ja nuorison ala"),
    "school education, vocational education and training, adult education or youth (not "
    "higher education)": (
        ("school education, vocational education and training, adult education or youth (not "
        "higher education)"),
        "kouluopetus, ammatillinen koulutus, aikuiskoulutus tai nuoriso (ei korkea-aste)"),
}

MESSAGES: dict[str, tuple[str, str]] = {**_PAGES, **_REASONS, **_CONSORTIA, **_RULES, **_NOTES,
                                        **_ERRORS}
