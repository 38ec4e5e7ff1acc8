"""The demo village feed: Plausch, Biete and Suche posts of the demo people, with photos drawn
here with Pillow, comments and "Danke".

Everything is written through the feed's services (post_create, comment_create, thanks_toggle,
post_set_status), so the demo takes the same path as a resident: visibility is checked, text is
cleaned, photos are decoded and re-encoded without metadata. Only the timestamps are moved
afterwards, so the feed looks like a few lively weeks rather than one second.

Running it again gives the same feed: it deletes every post the demo people wrote (their
comments and thanks go with them) through post_delete, then writes the feed anew. Recreating
rather than skipping also brings the dates back to "the last weeks" and undoes whatever
visitors changed on the demo accounts' posts."""

# The texts use German typography on purpose: en dashes and the multiplication sign.
# ruff: noqa: RUF001

import datetime as dt
import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageColor, ImageDraw, ImageFont

from apps.posts import services
from apps.posts.models import Comment, Post, PostPhoto, Thanks
from apps.posts.permissions import can_comment

# The demo people, as made by the seed_demo command.
ANNA = "anna.mueller@lindenbach.example"
KARL = "karl.schneider@lindenbach.example"
PETRA = "rathaus@lindenbach.example"
JONAS = "jonas.becker@oberau.example"
MARIA = "maria.hoffmann@oberau.example"
THOMAS = "rathaus@oberau.example"
LENA = "lena.schulz@kirchwald.example"
HANS = "hans.fischer@kirchwald.example"
SABINE = "rathaus@kirchwald.example"

# Who speaks in a comment: the post's author, or the next neighbour who can read the post.
AUTHOR = "author"
NEIGHBOUR = "neighbour"

CHAT, OFFER, REQUEST = Post.Kind.CHAT, Post.Kind.OFFER, Post.Kind.REQUEST
C = Post.Category
VILLAGE = Post.Scope.VILLAGE
RESERVED, DONE = Post.Status.RESERVED, Post.Status.DONE

# Same numbers on every run, so a second run makes exactly the same feed.
RANDOM_SEED = 2026


@dataclass(frozen=True)
class Photo:
    motif: str
    caption: str
    alt: str
    colours: tuple[str, str] = ("#fdf6e3", "#f4c98b")  # gradient, top to bottom
    size: tuple[int, int] = (800, 600)


@dataclass(frozen=True)
class DemoPost:
    author: str
    kind: str
    days_ago: float
    body: str
    title: str = ""
    category: str = ""
    scope: str = Post.Scope.NEARBY
    status: str = Post.Status.OPEN
    expiry_days: int | None = None
    photos: tuple[Photo, ...] = ()
    comments: tuple[tuple[str, str], ...] = ()
    thanks: float = 0.5  # the share of readers who say Danke to the post

    def __post_init__(self):
        for comment in self.comments:
            if not (isinstance(comment, tuple) and comment[0] in (AUTHOR, NEIGHBOUR)):
                raise ValueError(f"Comments are (speaker, text) pairs: {self.title or self.body}")


@dataclass(frozen=True)
class FeedSummary:
    posts: int
    photos: int
    comments: int
    thanks: int

    def __str__(self) -> str:
        return (
            f"Feed: {self.posts} posts, {self.photos} photos, "
            f"{self.comments} comments, {self.thanks} thanks"
        )


def chat(author: str, days_ago: float, body: str, **extra) -> DemoPost:
    return DemoPost(author=author, kind=CHAT, days_ago=days_ago, body=body, **extra)


def offer(author: str, days_ago: float, category: str, title: str, body: str, **extra):
    return DemoPost(
        author=author,
        kind=OFFER,
        days_ago=days_ago,
        category=category,
        title=title,
        body=body,
        **extra,
    )


def request(author: str, days_ago: float, category: str, title: str, body: str, **extra):
    return DemoPost(
        author=author,
        kind=REQUEST,
        days_ago=days_ago,
        category=category,
        title=title,
        body=body,
        **extra,
    )


def me(text: str) -> tuple[str, str]:
    return (AUTHOR, text)


def nb(text: str) -> tuple[str, str]:
    return (NEIGHBOUR, text)


GREEN = ("#e8f5e9", "#9ccc65")
SKY = ("#e3f2fd", "#90caf9")
SUNSET = ("#ffe0b2", "#f48fb1")
SAND = ("#fdf6e3", "#f4c98b")
LAVENDER = ("#f3e5f5", "#b39ddb")
MINT = ("#e0f7fa", "#80cbc4")

POSTS: list[DemoPost] = [
    # --- Lindenbach -------------------------------------------------------------------------
    offer(
        ANNA,
        2.2,
        C.LENDING,
        "Biete Rasenmäher zum Ausleihen",
        "Unser Benzin-Rasenmäher steht die meiste Zeit nur im Schuppen. Wer ihn braucht, "
        "kann ihn gern ausleihen – einfach kurz vorher Bescheid geben.\n\n"
        "Benzin bitte selbst mitbringen, Fangkorb ist dabei.",
        status=RESERVED,
        photos=(
            Photo("mower", "Rasenmäher", "Ein roter Rasenmäher auf grünem Rasen.", GREEN),
            Photo("mower", "mit Fangkorb", "Der Rasenmäher von der Seite.", SKY),
        ),
        comments=(
            nb("Super! Könnte ich ihn am Samstagvormittag haben? Bei uns steht das Gras kniehoch."),
            me("Klar, ich stell ihn dir um neun vors Garagentor."),
            nb("Danke dir, du bekommst ihn am Nachmittag vollgetankt zurück."),
        ),
        thanks=0.9,
    ),
    request(
        KARL,
        1.1,
        C.RIDES,
        "Suche Mitfahrgelegenheit nach Donauwörth am Dienstag",
        "Ich habe am Dienstag um 10:30 Uhr einen Arzttermin in Donauwörth, und mein Auto ist "
        "in der Werkstatt. Fährt jemand zufällig hin? Spritgeld gebe ich natürlich dazu.\n"
        "Zurück komme ich zur Not mit Bus und Bahn: https://www.bahn.de",
        comments=(
            nb("Ich muss am Dienstag eh zum Baumarkt nach Donauwörth. Um 9:45 Uhr an der Kirche?"),
            me("Perfekt, dann bis Dienstag! Vielen Dank."),
        ),
    ),
    chat(
        ANNA,
        0.3,
        "Wer hat Lust auf einen Spieleabend im Pfarrheim? Ich dachte an Freitag in zwei Wochen "
        "ab 19 Uhr. Bringt gern eure Lieblingsspiele mit – ich sorge für Tee und Plätzchen.",
        photos=(Photo("dice", "Spieleabend", "Zwei Würfel auf buntem Grund.", LAVENDER),),
        comments=(
            nb("Bin dabei! Ich bringe Carcassonne mit."),
            nb("Gute Idee. Ich frag im Pfarrbüro, ob der Raum frei ist."),
            me("Der Raum ist frei, ich habe uns eingetragen. Ich freu mich!"),
            nb("Darf man auch kommen, wenn man die Regeln erst lernen muss?"),
            me("Gerade dann! Wir erklären alles."),
        ),
        thanks=0.8,
    ),
    chat(
        PETRA,
        4.4,
        "Danke an die Feuerwehr für den Einsatz am Samstag! Der umgestürzte Baum auf der "
        "Kreisstraße war in einer Stunde weggeräumt. Ihr seid großartig.",
        comments=(
            nb("Dem kann ich mich nur anschließen!"),
            nb("Und das alles ehrenamtlich. Respekt."),
        ),
        thanks=1.0,
    ),
    offer(
        KARL,
        5.6,
        C.GIVEAWAY,
        "Gartenstühle zu verschenken",
        "Vier Gartenstühle aus Holz, etwas verwittert, aber stabil. Mit ein bisschen Öl wieder "
        "wie neu. Abholung in der Lindenstraße 12.",
        comments=(nb("Sind die noch zu haben? Wir hätten Interesse an allen vieren."),),
    ),
    request(
        ANNA,
        9.3,
        C.ANIMALS,
        "Katze entlaufen – grau getigert",
        "Seit Sonntagabend ist unser Kater Moritz verschwunden. Er ist grau getigert, hat eine "
        "weiße Pfote und trägt ein rotes Halsband.\n"
        "Bitte schaut mal in eure Garagen und Schuppen. Danke!",
        status=DONE,
        photos=(Photo("cat", "Moritz", "Ein grau getigerter Kater mit rotem Halsband.", SKY),),
        comments=(
            nb("Ich glaube, ich hab ihn heute früh am Feldweg hinter dem Sportplatz gesehen."),
            me("Danke, ich schau gleich nach!"),
            nb("Ich halte auch die Augen offen."),
            me("Er ist wieder da! Er saß im Schuppen vom Nachbarn. Danke euch allen!"),
        ),
        thanks=1.0,
    ),
    request(
        KARL,
        12.5,
        C.OTHER,
        "Suche alte Fotos vom Dorffest",
        "Für die Dorfchronik sammeln wir alte Bilder vom Dorffest, egal aus welchem Jahr. "
        "Wer hat noch Abzüge oder Dias im Keller?\n\n"
        "Ich scanne alles ein und bringe es unversehrt zurück.",
        expiry_days=90,
        comments=(
            nb("Meine Eltern haben ein ganzes Album. Ich frag am Wochenende nach."),
            me("Das wäre wunderbar!"),
        ),
    ),
    offer(
        ANNA,
        6.8,
        C.EVERYDAY_HELP,
        "Biete Hilfe beim Einkaufen",
        "Ich fahre jeden Donnerstag zum Wochenmarkt und in den Supermarkt. Wer nicht mehr so "
        "gut zu Fuß ist: Gebt mir eure Einkaufsliste, ich bringe alles mit.",
        scope=VILLAGE,
        comments=(nb("Das ist lieb! Meine Nachbarin freut sich bestimmt, ich sag es ihr."),),
        thanks=1.0,
    ),
    offer(
        KARL,
        14.2,
        C.CRAFT_GARDEN,
        "Biete Hilfe beim Heckenschneiden",
        "Ich habe eine elektrische Heckenschere und Zeit. Wer Hilfe mit der Hecke braucht, "
        "meldet sich einfach. Grünschnitt nehme ich mit zum Wertstoffhof.",
        photos=(
            Photo("hedge", "Hecke", "Eine frisch geschnittene Hecke.", GREEN),
            Photo("tools", "Heckenschere", "Gartenwerkzeug auf hellem Grund.", SAND),
        ),
        comments=(
            nb("Unsere Thujahecke wäre dringend dran. Passt es nächste Woche?"),
            me("Mittwochnachmittag ginge bei mir."),
            nb("Abgemacht, Kaffee steht bereit."),
        ),
    ),
    offer(
        PETRA,
        3.1,
        C.LOST_FOUND,
        "Schlüsselbund am Spielplatz gefunden",
        "Drei Schlüssel an einem blauen Anhänger mit Fußball. Abzuholen im Rathaus zu den "
        "Öffnungszeiten (Mo–Fr 8–12 Uhr).",
        status=DONE,
        photos=(Photo("key", "Gefunden", "Ein Schlüsselbund mit blauem Anhänger.", MINT),),
        comments=(
            nb("Das sind meine! Ich komme morgen früh vorbei."),
            me("Liegen bereit."),
        ),
        thanks=1.0,
    ),
    chat(
        ANNA,
        1.7,
        "Was für ein Abendhimmel heute über den Feldern! Manchmal muss man einfach kurz "
        "stehen bleiben.",
        photos=(Photo("landscape", "Lindenbach", "Hügel und Felder im Abendlicht.", SUNSET),),
        comments=(nb("Wunderschön! Das war vom Kapellenweg aus, oder?"), me("Genau da.")),
        thanks=1.0,
    ),
    request(
        KARL,
        0.8,
        C.LENDING,
        "Suche Anhänger für einen Tag",
        "Ich muss Grüngut zum Wertstoffhof bringen. Hat jemand einen Pkw-Anhänger mit "
        "Kugelkopfkupplung, den ich am Samstag leihen kann?",
        comments=(nb("Meiner ist frei. Schlüssel liegt im Briefkasten."),),
    ),
    offer(
        ANNA,
        19.5,
        C.GIVEAWAY,
        "Kinderkleidung Gr. 98–110 zu verschenken",
        "Zwei Kisten mit Hosen, Pullis und Matschsachen, alles gewaschen und gut erhalten.",
        expiry_days=14,
        photos=(Photo("boxes", "Gr. 98–110", "Zwei Umzugskisten mit Kleidung.", SAND),),
        comments=(nb("Hast du auch Gummistiefel in 27?"), me("Leider nicht, sorry.")),
    ),
    chat(
        PETRA,
        8.2,
        "Der Bücherschrank am Dorfplatz ist wieder aufgefüllt – diesmal mit vielen Krimis und "
        "Kinderbüchern. Nehmt, was euch gefällt, und stellt etwas anderes hinein.\n"
        "Mehr zur Idee: https://de.wikipedia.org/wiki/Offener_B%C3%BCcherschrank",
        photos=(Photo("books", "Bücherschrank", "Ein Stapel bunter Bücher.", LAVENDER),),
        comments=(nb("Ich bringe morgen noch ein paar Kochbücher vorbei."),),
    ),
    chat(
        KARL,
        2.9,
        "Weiß jemand, warum heute um 15 Uhr die Kirchenglocken so lange geläutet haben?",
        comments=(
            nb("Hochzeit! Die Tochter vom Bäcker hat geheiratet."),
            me("Ach, wie schön. Herzlichen Glückwunsch an das Brautpaar!"),
        ),
    ),
    request(
        ANNA,
        4.9,
        C.CRAFT_GARDEN,
        "Suche Ableger von Zimmerpflanzen",
        "Unser neues Wohnzimmer ist noch ziemlich kahl. Hat jemand Ableger von Grünlilie, "
        "Efeutute oder Geldbaum übrig? Ich tausche gern gegen selbstgemachte Marmelade.",
        comments=(
            nb("Grünlilien-Kindel habe ich jede Menge. Komm einfach vorbei."),
            me("Super, ich bringe ein Glas Johannisbeere mit!"),
        ),
    ),
    offer(
        KARL,
        7.4,
        C.ANIMALS,
        "Biete Urlaubsbetreuung für Hühner und Kaninchen",
        "Ihr fahrt weg und wisst nicht wohin mit euren Tieren? Ich füttere gern, mache sauber "
        "und sammle die Eier ein. Erfahrung habe ich mit eigenen Hühnern.",
        comments=(nb("Gut zu wissen, wir fahren in den nächsten Ferien weg."),),
    ),
    # --- Oberau -----------------------------------------------------------------------------
    request(
        JONAS,
        0.6,
        C.RIDES,
        "Suche Mitfahrgelegenheit zum Bahnhof Nördlingen",
        "Jeden Montag um 6:40 Uhr, mein Zug geht um 7:12 Uhr. Ich teile gern die Kosten.",
        comments=(
            nb("Ich fahre montags um halb sieben nach Nördlingen zur Arbeit. Passt das?"),
            me("Das passt perfekt, danke!"),
        ),
    ),
    offer(
        MARIA,
        3.7,
        C.LENDING,
        "Leiter und Gerüstböcke zum Ausleihen",
        "Eine Aluleiter (6 m, dreiteilig) und zwei Gerüstböcke. Bitte vorher kurz schreiben.",
        photos=(Photo("ladder", "Aluleiter 6 m", "Eine Aluleiter vor blauem Himmel.", SKY),),
        comments=(nb("Brauche die Leiter fürs Dachrinnenputzen, am Wochenende frei?"),),
    ),
    offer(
        JONAS,
        5.2,
        C.GIVEAWAY,
        "Sofa zu verschenken – nur Abholung",
        "Dreisitzer, dunkelgrün, sehr bequem, aber er passt nicht in die neue Wohnung.\n"
        "Maße: 210 × 90 cm. Bitte mit zwei Leuten zum Tragen kommen.",
        status=RESERVED,
        photos=(
            Photo("sofa", "Dreisitzer", "Ein dunkelgrünes Sofa.", SAND),
            Photo("sofa", "210 × 90 cm", "Das Sofa von vorne.", LAVENDER),
            Photo("boxes", "Kissen dazu", "Kisten mit Sofakissen.", MINT),
        ),
        comments=(
            nb("Oh, das wäre was für unseren Partykeller! Noch da?"),
            me("Ja, ich reserviere es dir. Samstag um zehn?"),
            nb("Passt, wir kommen zu zweit mit dem Anhänger."),
        ),
    ),
    chat(
        MARIA,
        1.4,
        "Kuchenverkauf am Sonntag nach dem Gottesdienst vor der Kirche! Der Erlös geht an den "
        "Kindergarten.\n\nWer noch einen Kuchen backen möchte: bitte bis Freitag bei mir melden.",
        photos=(Photo("cake", "Kuchenverkauf", "Eine Torte mit Kirschen.", SUNSET),),
        comments=(
            nb("Ich backe einen Käsekuchen!"),
            nb("Bei mir gibt's Apfelstrudel."),
            me("Toll, dann haben wir schon zwölf Kuchen!"),
        ),
        thanks=1.0,
    ),
    chat(
        THOMAS,
        6.3,
        "Danke an alle, die beim Ramadama mitgemacht haben! 23 Säcke Müll sind zusammen-"
        "gekommen, und die Brotzeit am Feuerwehrhaus war ein schöner Abschluss.",
        comments=(nb("Hat Spaß gemacht. Nächstes Jahr wieder!"),),
        thanks=1.0,
    ),
    request(
        JONAS,
        16.4,
        C.EVERYDAY_HELP,
        "Wer kann mir beim Umzug helfen?",
        "Samstag ab 9 Uhr, vom Ortskern in die Neubausiedlung. Nur ein paar Möbel und Kisten.\n"
        "Für Brotzeit und Getränke ist gesorgt!",
        status=DONE,
        comments=(
            nb("Ich kann von 9 bis 12 Uhr."),
            nb("Ich bringe einen Sackkarren mit."),
            me("Alles drüben! Danke euch, ohne euch hätte das ewig gedauert."),
        ),
        thanks=1.0,
    ),
    request(
        MARIA,
        2.5,
        C.ANIMALS,
        "Wer geht nächste Woche mit Bruno Gassi?",
        "Nach meiner Knie-OP darf ich ein paar Tage nicht laufen. Bruno ist ein lieber, "
        "ruhiger Labrador und zieht nicht an der Leine. Morgens und abends je eine halbe Stunde.",
        photos=(Photo("dog", "Bruno", "Ein brauner Labrador.", GREEN),),
        comments=(
            nb("Ich nehme die Abendrunden, mit Freude!"),
            nb("Morgens kann ich vor der Arbeit."),
            me("Ihr seid die Besten. Gute Besserung wünscht Bruno sich auch."),
        ),
        thanks=1.0,
    ),
    offer(
        JONAS,
        8.9,
        C.CRAFT_GARDEN,
        "Biete Hilfe bei Fahrradreparaturen",
        "Platten, Bremsen, Schaltung: Ich schraube gern und habe das Werkzeug. Samstags in "
        "meiner Garage, gegen eine Spende für die Jugendfeuerwehr.",
        photos=(Photo("bike", "Fahrrad-Werkstatt", "Ein Fahrrad vor hellem Grund.", MINT),),
        comments=(nb("Mein Rad quietscht seit Wochen. Komm ich am Samstag vorbei!"),),
    ),
    request(
        MARIA,
        4.1,
        C.GIVEAWAY,
        "Suche Einmachgläser – gern geschenkt",
        "Für Marmelade und Eingemachtes suche ich Twist-off-Gläser in allen Größen. Ein Glas "
        "Marmelade gibt es als Dankeschön zurück.",
        photos=(Photo("jars", "Einmachgläser", "Drei Gläser mit bunter Marmelade.", SAND),),
        comments=(nb("Ich habe einen ganzen Karton im Keller. Stelle ihn dir vor die Tür."),),
    ),
    offer(
        THOMAS,
        2.0,
        C.LOST_FOUND,
        "Brille am Sportplatz gefunden",
        "Eine Lesebrille mit schwarzem Rahmen in einem braunen Etui, gefunden auf der Bank am "
        "Sportplatz. Sie liegt im Fundbüro im Rathaus.",
        photos=(Photo("glasses", "Fundbüro", "Eine schwarze Lesebrille.", SKY),),
    ),
    chat(
        JONAS,
        0.15,
        "Hat noch jemand seit heute Mittag kein Internet? Bei uns blinkt der Router rot.",
        comments=(
            nb("Bei uns auch. Laut Störungsseite wird daran gearbeitet."),
            nb("Hier geht's wieder seit ein paar Minuten."),
            me("Jetzt auch bei uns. Danke!"),
        ),
    ),
    offer(
        MARIA,
        10.6,
        C.OTHER,
        "Biete Nachhilfe in Mathe (5.–10. Klasse)",
        "Ich bin pensionierte Lehrerin und helfe gern bei Hausaufgaben und vor Schulaufgaben. "
        "Bei mir zu Hause am Küchentisch, gern auch zu zweit.",
        comments=(
            nb("Meine Tochter schreibt nächste Woche eine Schulaufgabe in Bruchrechnen …"),
            me("Dann kommt sie am Montag um vier einfach vorbei."),
        ),
        thanks=1.0,
    ),
    request(
        JONAS,
        3.3,
        C.LENDING,
        "Suche Bierbänke für eine Geburtstagsfeier",
        "Für den 40. meiner Frau suche ich drei Bierzeltgarnituren für ein Wochenende. "
        "Abholen und zurückbringen mache ich selbst.",
        comments=(
            nb("Beim Sportverein kann man welche ausleihen, frag mal beim Vorstand."),
            me("Gute Idee, danke für den Tipp!"),
        ),
    ),
    chat(
        MARIA,
        7.7,
        "Heute früh stand ein Reh ganz ruhig auf der Wiese am Bach – wie verzaubert. Ein schöner "
        "Start in den Tag!",
        photos=(Photo("tree", "Am Bach", "Ein Baum auf einer Wiese.", SKY),),
        thanks=1.0,
    ),
    request(
        THOMAS,
        11.8,
        C.OTHER,
        "Mitspielerinnen und Mitspieler für die Theatergruppe gesucht",
        "Unsere Theatergruppe probt ein neues Stück und sucht noch zwei Rollen. Proben sind "
        "dienstags um 19:30 Uhr im Pfarrheim. Keine Erfahrung nötig!",
        scope=VILLAGE,
        expiry_days=90,
        comments=(
            nb("Ich würde gern mal reinschnuppern."),
            me("Sehr gern, komm einfach nächsten Dienstag vorbei."),
        ),
    ),
    offer(
        JONAS,
        24.0,
        C.CRAFT_GARDEN,
        "Brennholz abzugeben",
        "Ein Ster Buche, ofenfertig gespalten und zwei Jahre getrocknet. Gegen eine kleine "
        "Spende für den Kindergarten.",
        expiry_days=14,
        comments=(nb("Ist das noch da?"), me("Leider schon weg, sorry!")),
    ),
    request(
        MARIA,
        6.0,
        C.CRAFT_GARDEN,
        "Wer kann meinen Apfelbaum schneiden?",
        "Der alte Baum im Garten hat seit Jahren keinen Schnitt mehr gesehen. Ich suche "
        "jemanden, der sich mit Obstbäumen auskennt. Ich bezahle natürlich.",
        comments=(nb("Der Obst- und Gartenbauverein macht im Frühjahr einen Schnittkurs."),),
    ),
    # --- Kirchwald --------------------------------------------------------------------------
    request(
        LENA,
        13.6,
        C.LOST_FOUND,
        "Ehering verloren – bitte helft mir!",
        "Beim Spaziergang am Samstag zwischen Friedhof und Weiher habe ich meinen Ehering "
        "verloren. Schlichtes Gold, innen graviert.\nBitte schaut auf dem Weg, ob ihr etwas "
        "glänzen seht. Finderlohn!",
        status=DONE,
        comments=(
            nb("Ich gehe morgen früh mit dem Hund die Runde und schaue mit."),
            nb("Ich helfe auch suchen, sag Bescheid wann."),
            me("Gefunden!!! Er lag im Gras neben der Bank am Weiher. Danke für eure Hilfe!"),
        ),
        thanks=1.0,
    ),
    offer(
        HANS,
        10.2,
        C.RIDES,
        "Fahre Donnerstag nach Augsburg – 3 Plätze frei",
        "Abfahrt 8 Uhr am Dorfplatz, zurück gegen 17 Uhr. Wer mitfahren will, meldet sich "
        "bis Mittwochabend.",
        expiry_days=7,
        comments=(nb("Ich würde mitfahren, ich muss zum Landratsamt."), me("Gebongt!")),
    ),
    chat(
        LENA,
        1.9,
        "Wer kommt mit zum Lauftreff? Mittwochs um 18 Uhr am Feuerwehrhaus, jedes Tempo ist "
        "willkommen. Wir laufen eine Runde um den Weiher, etwa 5 km.",
        comments=(
            nb("Ich bin eher Walkerin – darf ich trotzdem kommen?"),
            me("Unbedingt, wir warten an der Bank aufeinander."),
        ),
        thanks=0.8,
    ),
    chat(
        SABINE,
        5.0,
        "Danke an die Landjugend für das Aufräumen des Spielplatzes! Die neue Rutsche ist "
        "montiert, und der Sand ist frisch aufgefüllt.",
        photos=(Photo("house", "Spielplatz", "Ein kleines Haus mit rotem Dach.", GREEN),),
        comments=(nb("Die Kinder sind begeistert!"),),
        thanks=1.0,
    ),
    offer(
        HANS,
        4.6,
        C.LENDING,
        "Biete Vertikutierer und Häcksler zum Ausleihen",
        "Beide elektrisch, gut gepflegt. Ausleihe gegen eine Spende in die Kaffeekasse der "
        "Feuerwehr.",
        comments=(nb("Ich hätte gern den Häcksler am Samstag."), me("Ist für dich reserviert.")),
    ),
    request(
        LENA,
        2.8,
        C.EVERYDAY_HELP,
        "Suche Babysitter für Freitagabend",
        "Für unsere zwei Kinder (4 und 7) suche ich am Freitag von 19 bis 23 Uhr jemanden "
        "Zuverlässigen aus dem Dorf. Die beiden schlafen meist ab acht.",
        scope=VILLAGE,
        comments=(
            nb("Meine Tochter (16) macht das gern, sie hat den Babysitterkurs gemacht."),
            me("Wunderbar, schick mir gern ihre Nummer."),
        ),
    ),
    offer(
        HANS,
        8.0,
        C.GIVEAWAY,
        "Holzpaletten zu verschenken",
        "Sechs Europaletten, gut für Hochbeete oder Gartenmöbel. Stehen vor der Scheune.",
        photos=(Photo("pallets", "6 Europaletten", "Drei gestapelte Holzpaletten.", SAND),),
        comments=(nb("Nehme zwei für mein Hochbeet, danke!"),),
    ),
    offer(
        LENA,
        6.5,
        C.ANIMALS,
        "Zwei Kaninchen suchen ein neues Zuhause",
        "Flocke und Krümel, zwei liebe Zwergkaninchen, nur zusammen abzugeben. Wegen einer "
        "Allergie können wir sie leider nicht behalten.\n\nStall und Zubehör gibt es dazu.",
        status=RESERVED,
        photos=(
            Photo("rabbit", "Flocke", "Ein weißes Zwergkaninchen.", MINT),
            Photo("brown_rabbit", "Krümel", "Ein braunes Zwergkaninchen.", SUNSET),
        ),
        comments=(
            nb("Wie süß! Meine Kinder wünschen sich schon lange Kaninchen."),
            me("Magst du sie am Wochenende mal anschauen kommen?"),
            nb("Sehr gern, Samstag nach dem Mittagessen?"),
        ),
        thanks=1.0,
    ),
    request(
        HANS,
        3.9,
        C.CRAFT_GARDEN,
        "Wer kennt sich mit Dachrinnen aus?",
        "Bei uns tropft es an der Ecke zur Garage. Kann mir jemand einen guten Spengler "
        "empfehlen oder mal draufschauen?",
        comments=(nb("Der Spengler aus Oberau war bei uns sehr gut und schnell."),),
    ),
    chat(
        LENA,
        9.9,
        "Unser Lieblingsrezept für Apfelkuchen vom Blech, weil so viele gefragt haben:\n"
        "- 250 g Butter, 200 g Zucker, 4 Eier\n"
        "- 400 g Mehl, 1 Päckchen Backpulver, etwas Milch\n"
        "- 1,5 kg Äpfel in Spalten\n"
        "Bei 180 Grad etwa 40 Minuten backen. Guten Appetit!",
        comments=(
            nb("Danke! Gibt's bei uns am Sonntag."),
            nb("Mit Streuseln obendrauf ist er auch super."),
        ),
        thanks=1.0,
    ),
    offer(
        SABINE,
        1.2,
        C.OTHER,
        "Freie Plätze im Bus zum Seniorennachmittag",
        "Für den Ausflug des Seniorenkreises nach Nördlingen sind noch acht Plätze im Bus frei. "
        "Anmeldung bitte bis Montag im Rathaus oder hier in den Kommentaren.",
        comments=(nb("Bitte zwei Plätze für meine Eltern!"), me("Sind eingetragen.")),
    ),
    chat(
        HANS,
        0.5,
        "Hinweis: Die Feuerwehr übt am Samstag ab 14 Uhr an der alten Schule. Es kann laut "
        "werden, bitte nicht erschrecken.",
        scope=VILLAGE,
        comments=(nb("Danke für die Vorwarnung!"),),
        thanks=1.0,
    ),
    request(
        LENA,
        0.9,
        C.GIVEAWAY,
        "Suche Kinderfahrrad 20 Zoll",
        "Unsere Große ist aus ihrem Rad herausgewachsen. Hat jemand ein 20-Zoll-Rad übrig? "
        "Gern auch reparaturbedürftig.",
    ),
    request(
        HANS,
        15.0,
        C.EVERYDAY_HELP,
        "Suche Hilfe beim Ausfüllen der Grundsteuererklärung",
        "Kennt sich jemand mit dem Online-Formular aus? Ich komme mit ELSTER nicht zurecht.",
        comments=(
            nb("Ich habe meine letztes Jahr gemacht, ich helfe dir gern."),
            me("Das wäre eine große Hilfe. Passt Donnerstag?"),
            nb("Donnerstag um sieben bei dir."),
        ),
    ),
    offer(
        LENA,
        11.0,
        C.LOST_FOUND,
        "Kinderjacke im Bus gefunden",
        "Rote Regenjacke, Größe 128, lag im Schulbus. Ich habe sie mitgenommen, bitte melden.",
        photos=(Photo("jacket", "Gr. 128", "Eine rote Kinderjacke.", SKY),),
    ),
    chat(
        SABINE,
        12.0,
        "Die neue Sitzbank am Weiher ist da – gespendet vom Obst- und Gartenbauverein. "
        "Vielen Dank!",
        comments=(nb("Ein Platz mit Aussicht. Schön!"),),
        thanks=0.8,
    ),
]


# --- Seeding -------------------------------------------------------------------------------


def seed_feed(*, people: Sequence, now: dt.datetime | None = None) -> FeedSummary:
    """Replace the demo people's posts by the demo feed. `people` are the demo accounts."""
    now = now or timezone.now()
    rng = random.Random(RANDOM_SEED)
    by_email = {person.email.lower(): person for person in people}
    _remove_earlier_posts(people)

    posts: list[Post] = []
    comments: list[Comment] = []
    for index, spec in enumerate(POSTS):
        post, post_comments = _create_post(spec, index, by_email, people, rng)
        posts.append(post)
        comments.extend(post_comments)
    _spread_over_time(posts, comments, now, rng)

    post_ids = [post.pk for post in posts]
    return FeedSummary(
        posts=len(posts),
        photos=PostPhoto.objects.filter(post_id__in=post_ids).count(),
        comments=Comment.objects.filter(post_id__in=post_ids).count(),
        thanks=Thanks.objects.filter(
            Q(post_id__in=post_ids) | Q(comment__post_id__in=post_ids)
        ).count(),
    )


def _remove_earlier_posts(people: Iterable) -> None:
    for post in Post.objects.filter(author__in=list(people)).select_related("author"):
        services.post_delete(actor=post.author, post=post)


def _create_post(spec: DemoPost, index: int, by_email: dict, people, rng: random.Random):
    author = by_email[spec.author]
    uploads = [_upload(photo, f"demo-{index}-{number}") for number, photo in enumerate(spec.photos)]
    post = services.post_create(
        author=author,
        kind=spec.kind,
        title=spec.title,
        body=spec.body,
        category=spec.category,
        scope=spec.scope,
        expiry_days=spec.expiry_days if spec.kind != CHAT else None,
        photos=uploads,
    )
    for photo, stored in zip(spec.photos, post.photos.order_by("position"), strict=True):
        PostPhoto.objects.filter(pk=stored.pk).update(alt_text=photo.alt)

    # Neighbours who may read (and so comment on and thank) the post, in a fixed order.
    readers = [p for p in people if p.pk != author.pk and can_comment(p, post)]
    turn = index
    comments = []
    for speaker, text in spec.comments:
        if speaker == AUTHOR:
            writer = author
        elif readers:
            writer = readers[turn % len(readers)]
            turn += 1
        else:
            continue
        comments.append(services.comment_create(author=writer, post=post, body=text))

    if spec.status != Post.Status.OPEN:
        services.post_set_status(actor=author, post=post, status=spec.status)

    for reader in readers:
        if rng.random() < spec.thanks:
            services.thanks_toggle(user=reader, post=post)
    for comment in comments:
        for person in [author, *readers]:
            if person.pk == comment.author_id:
                continue
            # The post's author thanks helpful neighbours more often than others do.
            chance = 0.6 if person.pk == author.pk else 0.25
            if rng.random() < chance:
                services.thanks_toggle(user=person, comment=comment)
    return post, comments


def _spread_over_time(posts: list[Post], comments: list[Comment], now, rng) -> None:
    """Move the feed into the past: each post to its day, its comments and thanks after it,
    nothing in the future. An expiry keeps its length, so old short-lived offers expire."""
    by_post: dict[int, list[Comment]] = {}
    for comment in comments:
        by_post.setdefault(comment.post_id, []).append(comment)

    moments: dict[tuple[str, int], dt.datetime] = {}
    for post, spec in zip(posts, POSTS, strict=True):
        created = _by_day(now - dt.timedelta(days=spec.days_ago, minutes=rng.randint(0, 50)), now)
        changes = {"created_at": created}
        if post.expires_at is not None:
            changes["expires_at"] = created + (post.expires_at - post.created_at)
        Post.objects.filter(pk=post.pk).update(**changes)
        moments[("post", post.pk)] = created
        post_comments = by_post.get(post.pk, [])
        window = min((now - created) * 0.9, dt.timedelta(days=3))
        times = sorted(
            _by_day(created + window * rng.uniform(0.05, 1.0), now) for _ in post_comments
        )
        for comment, moment in zip(post_comments, times, strict=True):
            comment.created_at = moment
            moments[("comment", comment.pk)] = moment
    Comment.objects.bulk_update(comments, ["created_at"], batch_size=200)

    thanks = list(
        Thanks.objects.filter(
            Q(post_id__in=[p.pk for p in posts]) | Q(comment_id__in=[c.pk for c in comments])
        ).order_by("pk")
    )
    for item in thanks:
        start = moments[("post", item.post_id) if item.post_id else ("comment", item.comment_id)]
        moment = start + min(now - start, dt.timedelta(days=1)) * rng.uniform(0.1, 1.0)
        item.created_at = _by_day(moment, now)
    Thanks.objects.bulk_update(thanks, ["created_at"], batch_size=200)


def _by_day(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Villages sleep at night: a moment between 22 and 7 o'clock moves on to the next
    morning, unless that morning has not come yet. Only ever later, so order is kept."""
    local = timezone.localtime(moment)
    if 7 <= local.hour < 22:
        return moment
    morning = local.replace(hour=7)
    if local.hour >= 22:
        morning += dt.timedelta(days=1)
    return morning if morning <= now else moment


# --- Photos --------------------------------------------------------------------------------


def _upload(photo: Photo, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.jpg", render_photo(photo), content_type="image/jpeg")


def render_photo(photo: Photo) -> bytes:
    """A small picture: a soft gradient, a simple drawn motif and a caption, as JPEG bytes.

    It carries camera EXIF on purpose, as phone photos do: the services must strip it.
    Everything is drawn in solid colours on one RGB image, which keeps it quick."""
    width, height = photo.size
    top, bottom = (ImageColor.getrgb(colour) for colour in photo.colours)
    image = Image.new("RGB", photo.size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line((0, y, width, y), fill=_mix(top, bottom, y / (height - 1)))

    band = max(90, height // 7)
    cx, cy = width / 2, (height - band) / 2 + height * 0.03
    unit = min(width, height - band) * 0.3
    # A soft shadow to stand on, then the motif, then a light band with the caption.
    ground = _mix(top, bottom, (cy + unit) / height)
    draw.ellipse(
        (cx - unit * 1.3, cy + unit * 0.85, cx + unit * 1.3, cy + unit * 1.15),
        fill=_mix(ground, (0, 0, 0), 0.15),
    )
    MOTIFS[photo.motif](draw, cx, cy, unit)
    draw.rounded_rectangle(
        (24, height - band - 16, width - 24, height - 16),
        radius=18,
        fill=_mix(bottom, (255, 255, 255), 0.75),
    )
    _caption(draw, photo.caption, (width / 2, height - 16 - band / 2), band // 2)

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "DorfFunk"  # Make
    exif[0x0110] = "Demo-Kamera"  # Model
    image.save(out, format="JPEG", quality=90, exif=exif)
    return out.getvalue()


def _mix(a: tuple, b: tuple, share: float) -> tuple[int, int, int]:
    """The colour `share` of the way from a to b."""
    return tuple(round(x + (y - x) * share) for x, y in zip(a, b, strict=True))


_PLAIN = {"ß": "ss", "–": "-", "×": "x"}
_UMLAUTS = "äöüÄÖÜ"
_WITHOUT_DOTS = str.maketrans(_UMLAUTS, "aouAOU")


def _caption(draw: ImageDraw.ImageDraw, text: str, centre: tuple[float, float], size: int):
    """Write a centred caption. Pillow's built-in font has no umlauts, so ä, ö and ü are
    written as a, o and u with two dots drawn above them."""
    font = _font(max(28, size))
    for char, plain in _PLAIN.items():
        text = text.replace(char, plain)
    plain = text.translate(_WITHOUT_DOTS)
    left = centre[0] - draw.textlength(plain, font=font) / 2
    draw.text((left, centre[1]), plain, font=font, fill="#37474f", anchor="lm")
    for index, char in enumerate(text):
        if char not in _UMLAUTS:
            continue
        x = left + draw.textlength(plain[:index], font=font)
        box = draw.textbbox((x, centre[1]), plain[index], font=font, anchor="lm")
        letter = box[2] - box[0]
        radius = max(1.5, font.size * 0.06) if hasattr(font, "size") else 1.5
        y = box[1] - radius * 2.2
        for dx in (letter * 0.3, letter * 0.7):
            draw.ellipse(
                (box[0] + dx - radius, y - radius, box[0] + dx + radius, y + radius),
                fill="#37474f",
            )


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError):  # a Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def _box(cx, cy, unit, x0, y0, x1, y1) -> tuple[float, float, float, float]:
    """A rectangle in motif units (-1…1 around the centre) in pixels."""
    return (cx + x0 * unit, cy + y0 * unit, cx + x1 * unit, cy + y1 * unit)


def _points(cx, cy, unit, *pairs) -> list[tuple[float, float]]:
    return [(cx + x * unit, cy + y * unit) for x, y in pairs]


def _mower(d, cx, cy, u):
    d.line(_points(cx, cy, u, (0.45, -0.1), (1.05, -0.95)), fill="#455a64", width=int(u * 0.08))
    d.line(_points(cx, cy, u, (0.9, -0.95), (1.2, -0.95)), fill="#263238", width=int(u * 0.1))
    d.rounded_rectangle(_box(cx, cy, u, 0.2, -0.35, 0.75, 0.4), radius=u * 0.1, fill="#2e7d32")
    d.rounded_rectangle(_box(cx, cy, u, -1.0, -0.3, 0.45, 0.5), radius=u * 0.18, fill="#e53935")
    d.rounded_rectangle(_box(cx, cy, u, -0.6, -0.5, 0.0, -0.25), radius=u * 0.06, fill="#b71c1c")
    for x in (-0.65, 0.35):
        d.ellipse(_box(cx, cy, u, x - 0.28, 0.3, x + 0.28, 0.86), fill="#263238")
        d.ellipse(_box(cx, cy, u, x - 0.1, 0.48, x + 0.1, 0.68), fill="#b0bec5")


def _bike(d, cx, cy, u):
    w = int(u * 0.07)
    for x in (-0.65, 0.65):
        d.ellipse(_box(cx, cy, u, x - 0.45, -0.05, x + 0.45, 0.85), outline="#263238", width=w)
    rear, front, seat, crank, bar = (
        (-0.65, 0.4),
        (0.65, 0.4),
        (-0.15, -0.3),
        (0.0, 0.4),
        (0.5, -0.4),
    )
    frame = [
        (rear, crank),
        (crank, seat),
        (seat, rear),
        (seat, (0.45, -0.25)),
        ((0.45, -0.25), crank),
    ]
    for a, b in frame:
        d.line(_points(cx, cy, u, a, b), fill="#00897b", width=w)
    d.line(_points(cx, cy, u, (0.45, -0.25), front), fill="#00897b", width=w)
    d.line(_points(cx, cy, u, (0.45, -0.25), bar), fill="#00897b", width=w)
    d.line(_points(cx, cy, u, (0.4, -0.45), (0.7, -0.45)), fill="#263238", width=w)
    d.rounded_rectangle(_box(cx, cy, u, -0.35, -0.42, 0.0, -0.3), radius=u * 0.05, fill="#263238")


def _cat(d, cx, cy, u, fur="#90a4ae", stripe="#607d8b"):
    d.arc(_box(cx, cy, u, 0.3, -0.3, 1.2, 0.8), 200, 340, fill=fur, width=int(u * 0.14))
    d.ellipse(_box(cx, cy, u, -0.6, -0.1, 0.7, 0.9), fill=fur)
    for x in (-0.2, 0.1, 0.4):
        d.line(_points(cx, cy, u, (x, 0.0), (x + 0.05, 0.25)), fill=stripe, width=int(u * 0.06))
    d.ellipse(_box(cx, cy, u, -0.95, -0.75, -0.05, 0.1), fill=fur)
    d.polygon(_points(cx, cy, u, (-0.9, -0.5), (-0.85, -1.0), (-0.6, -0.7)), fill=fur)
    d.polygon(_points(cx, cy, u, (-0.1, -0.5), (-0.15, -1.0), (-0.4, -0.7)), fill=fur)
    for x in (-0.68, -0.32):
        d.ellipse(_box(cx, cy, u, x - 0.07, -0.45, x + 0.07, -0.3), fill="#33691e")
    d.polygon(_points(cx, cy, u, (-0.55, -0.22), (-0.45, -0.22), (-0.5, -0.15)), fill="#f06292")
    for dy in (-0.18, -0.1):
        d.line(_points(cx, cy, u, (-0.65, dy), (-1.1, dy - 0.05)), fill="#eceff1", width=2)
        d.line(_points(cx, cy, u, (-0.35, dy), (0.1, dy - 0.05)), fill="#eceff1", width=2)
    d.arc(_box(cx, cy, u, -0.8, -0.05, -0.2, 0.25), 20, 160, fill="#e53935", width=int(u * 0.08))


def _dog(d, cx, cy, u):
    fur = "#a1887f"
    d.ellipse(_box(cx, cy, u, -0.5, -0.05, 0.9, 0.75), fill=fur)
    for x in (-0.3, 0.1, 0.45, 0.75):
        d.rounded_rectangle(
            _box(cx, cy, u, x - 0.08, 0.5, x + 0.08, 0.95), radius=u * 0.05, fill=fur
        )
    d.line(_points(cx, cy, u, (0.85, 0.2), (1.15, -0.2)), fill=fur, width=int(u * 0.12))
    d.ellipse(_box(cx, cy, u, -1.0, -0.75, -0.15, 0.15), fill=fur)
    d.ellipse(_box(cx, cy, u, -1.15, -0.35, -0.6, 0.2), fill="#bcaaa4")
    d.ellipse(_box(cx, cy, u, -1.15, -0.28, -1.0, -0.13), fill="#3e2723")
    d.ellipse(_box(cx, cy, u, -0.35, -0.75, -0.05, -0.1), fill="#6d4c41")
    d.ellipse(_box(cx, cy, u, -0.7, -0.5, -0.56, -0.36), fill="#3e2723")


def _rabbit(d, cx, cy, u, fur="#fafafa"):
    d.ellipse(_box(cx, cy, u, -0.5, -0.05, 0.9, 0.85), fill=fur, outline="#bdbdbd", width=3)
    d.ellipse(_box(cx, cy, u, 0.75, 0.2, 1.05, 0.5), fill="#ffffff", outline="#bdbdbd", width=3)
    for x in (-0.75, -0.45):
        d.ellipse(
            _box(cx, cy, u, x - 0.13, -1.15, x + 0.13, -0.35), fill=fur, outline="#bdbdbd", width=3
        )
        d.ellipse(_box(cx, cy, u, x - 0.06, -1.0, x + 0.06, -0.45), fill="#f8bbd0")
    d.ellipse(_box(cx, cy, u, -1.0, -0.55, -0.2, 0.25), fill=fur, outline="#bdbdbd", width=3)
    d.ellipse(_box(cx, cy, u, -0.78, -0.25, -0.66, -0.13), fill="#4e342e")
    d.ellipse(_box(cx, cy, u, -0.98, -0.05, -0.88, 0.05), fill="#f48fb1")


def _boxes(d, cx, cy, u):
    for x0, y0, x1, y1 in (
        (-1.0, -0.1, 0.0, 0.85),
        (0.05, -0.1, 1.0, 0.85),
        (-0.5, -0.95, 0.5, -0.1),
    ):
        d.rectangle(_box(cx, cy, u, x0, y0, x1, y1), fill="#d7a86e", outline="#8d6e63", width=3)
        mid = (x0 + x1) / 2
        d.rectangle(_box(cx, cy, u, mid - 0.07, y0, mid + 0.07, y1), fill="#efd9b4")
        d.rectangle(_box(cx, cy, u, x0 + 0.12, y1 - 0.3, x0 + 0.35, y1 - 0.12), fill="#ffffff")


def _ladder(d, cx, cy, u):
    w = int(u * 0.09)
    d.line(_points(cx, cy, u, (-0.55, 0.95), (-0.2, -1.05)), fill="#90a4ae", width=w)
    d.line(_points(cx, cy, u, (0.35, 0.95), (0.7, -1.05)), fill="#90a4ae", width=w)
    for i in range(8):
        t = i / 7
        y = 0.85 - t * 1.8
        d.line(
            _points(cx, cy, u, (-0.53 + t * 0.33, y), (0.37 + t * 0.33, y)),
            fill="#cfd8dc",
            width=int(u * 0.06),
        )


def _key(d, cx, cy, u):
    gold = "#f9a825"
    d.ellipse(_box(cx, cy, u, -1.0, -0.45, -0.2, 0.35), outline=gold, width=int(u * 0.18))
    d.rectangle(_box(cx, cy, u, -0.25, -0.12, 0.95, 0.04), fill=gold)
    for x in (0.45, 0.7):
        d.rectangle(_box(cx, cy, u, x, 0.04, x + 0.15, 0.3), fill=gold)
    d.ellipse(_box(cx, cy, u, -1.2, 0.2, -0.7, 0.7), fill="#1e88e5")
    d.ellipse(_box(cx, cy, u, -1.05, 0.35, -0.85, 0.55), fill="#ffffff")


def _sofa(d, cx, cy, u):
    green = "#2e7d32"
    d.rounded_rectangle(_box(cx, cy, u, -1.0, -0.7, 1.0, 0.2), radius=u * 0.15, fill=green)
    d.rounded_rectangle(_box(cx, cy, u, -1.15, -0.2, 1.15, 0.6), radius=u * 0.15, fill="#388e3c")
    for x in (-0.9, -0.3, 0.3):
        d.rounded_rectangle(_box(cx, cy, u, x, -0.5, x + 0.6, 0.05), radius=u * 0.1, fill="#43a047")
    for x in (-1.3, 0.95):
        d.rounded_rectangle(_box(cx, cy, u, x, -0.45, x + 0.35, 0.6), radius=u * 0.12, fill=green)
    for x in (-1.0, 0.9):
        d.rectangle(_box(cx, cy, u, x, 0.6, x + 0.1, 0.8), fill="#5d4037")


def _jars(d, cx, cy, u):
    for x, fruit in ((-0.75, "#c62828"), (0.0, "#ef6c00"), (0.75, "#6a1b9a")):
        d.rounded_rectangle(
            _box(cx, cy, u, x - 0.3, -0.35, x + 0.3, 0.85), radius=u * 0.08, fill=fruit
        )
        d.rectangle(_box(cx, cy, u, x - 0.32, -0.55, x + 0.32, -0.35), fill="#cfd8dc")
        d.rectangle(_box(cx, cy, u, x - 0.2, 0.1, x + 0.2, 0.4), fill="#fff8e1")


def _pallets(d, cx, cy, u):
    for level in range(3):
        y = 0.95 - level * 0.55
        d.rectangle(_box(cx, cy, u, -1.1, y - 0.12, 1.1, y), fill="#c8a27a", outline="#8d6e63")
        for x in (-1.1, -0.12, 0.86):
            d.rectangle(_box(cx, cy, u, x, y - 0.38, x + 0.24, y - 0.12), fill="#a1887f")
        d.rectangle(
            _box(cx, cy, u, -1.1, y - 0.5, 1.1, y - 0.38), fill="#d7b48c", outline="#8d6e63"
        )


def _tools(d, cx, cy, u):
    """Garden shears: two blades crossing at a pivot, with orange handles."""
    for sign in (-1, 1):
        d.polygon(
            _points(cx, cy, u, (0.0, 0.1), (sign * 0.75, -0.95), (sign * 0.55, -1.0)),
            fill="#b0bec5",
            outline="#78909c",
        )
        d.line(
            _points(cx, cy, u, (0.0, 0.1), (-sign * 0.6, 0.9)), fill="#f57c00", width=int(u * 0.16)
        )
    d.ellipse(_box(cx, cy, u, -0.09, 0.01, 0.09, 0.19), fill="#455a64")


def _hedge(d, cx, cy, u):
    d.rounded_rectangle(_box(cx, cy, u, -1.2, -0.6, 1.2, 0.9), radius=u * 0.2, fill="#388e3c")
    for i in range(7):
        x = -1.0 + i * 0.33
        d.ellipse(_box(cx, cy, u, x - 0.22, -0.8, x + 0.22, -0.4), fill="#43a047")


def _tree(d, cx, cy, u):
    d.rectangle(_box(cx, cy, u, -0.12, 0.1, 0.12, 0.95), fill="#6d4c41")
    for x, y, r in ((0, -0.45, 0.6), (-0.45, -0.15, 0.45), (0.45, -0.15, 0.45)):
        d.ellipse(_box(cx, cy, u, x - r, y - r, x + r, y + r), fill="#66bb6a")
    for x, y in ((-0.3, -0.4), (0.25, -0.65), (0.5, -0.1), (-0.55, -0.05), (0.05, -0.2)):
        d.ellipse(_box(cx, cy, u, x - 0.07, y - 0.07, x + 0.07, y + 0.07), fill="#e53935")


def _house(d, cx, cy, u):
    d.ellipse(_box(cx, cy, u, 0.7, -1.2, 1.1, -0.8), fill="#fdd835")
    d.rectangle(_box(cx, cy, u, -0.8, -0.2, 0.8, 0.95), fill="#fff3e0")
    d.polygon(_points(cx, cy, u, (-1.0, -0.15), (0.0, -1.0), (1.0, -0.15)), fill="#c62828")
    d.rectangle(_box(cx, cy, u, -0.15, 0.35, 0.2, 0.95), fill="#6d4c41")
    for x in (-0.6, 0.4):
        d.rectangle(_box(cx, cy, u, x, 0.05, x + 0.25, 0.3), fill="#81d4fa")


def _landscape(d, cx, cy, u):
    d.ellipse(_box(cx, cy, u, -0.35, -1.1, 0.35, -0.4), fill="#ffb74d")
    d.ellipse(_box(cx, cy, u, -2.2, -0.2, 0.6, 1.6), fill="#7cb342")
    d.ellipse(_box(cx, cy, u, -0.4, -0.05, 2.4, 1.8), fill="#558b2f")
    d.polygon(_points(cx, cy, u, (0.9, 0.05), (1.05, -0.55), (1.2, 0.05)), fill="#5d4037")
    d.rectangle(_box(cx, cy, u, 0.88, 0.05, 1.22, 0.4), fill="#efebe9")


def _cake(d, cx, cy, u):
    d.rectangle(_box(cx, cy, u, -0.9, -0.2, 0.9, 0.75), fill="#f8bbd0")
    d.ellipse(_box(cx, cy, u, -0.9, 0.5, 0.9, 1.0), fill="#f8bbd0")
    d.rectangle(_box(cx, cy, u, -0.9, 0.2, 0.9, 0.35), fill="#fff8e1")
    d.ellipse(_box(cx, cy, u, -0.9, -0.45, 0.9, 0.05), fill="#fce4ec")
    for x in (-0.5, 0.0, 0.5):
        d.ellipse(_box(cx, cy, u, x - 0.12, -0.45, x + 0.12, -0.2), fill="#c62828")


def _dice(d, cx, cy, u):
    for x0, y0, pips in (
        (-1.0, -0.6, ((0, 0),)),
        (0.1, -0.2, ((-1, -1), (0, 0), (1, 1), (-1, 1), (1, -1))),
    ):
        d.rounded_rectangle(
            _box(cx, cy, u, x0, y0, x0 + 0.9, y0 + 0.9),
            radius=u * 0.15,
            fill="#ffffff",
            outline="#7e57c2",
            width=4,
        )
        for px, py in pips:
            x, y = x0 + 0.45 + px * 0.25, y0 + 0.45 + py * 0.25
            d.ellipse(_box(cx, cy, u, x - 0.08, y - 0.08, x + 0.08, y + 0.08), fill="#4527a0")


def _books(d, cx, cy, u):
    for i, colour in enumerate(("#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa")):
        y = 0.7 - i * 0.32
        shift = (-0.1, 0.08, -0.05, 0.1, 0.0)[i]
        d.rounded_rectangle(
            _box(cx, cy, u, -0.85 + shift, y - 0.28, 0.85 + shift, y), radius=u * 0.04, fill=colour
        )
        d.rectangle(_box(cx, cy, u, 0.65 + shift, y - 0.24, 0.8 + shift, y - 0.04), fill="#fafafa")


def _glasses(d, cx, cy, u):
    w = int(u * 0.09)
    for x in (-0.55, 0.55):
        d.ellipse(
            _box(cx, cy, u, x - 0.42, -0.35, x + 0.42, 0.35),
            fill="#e1f5fe",
            outline="#212121",
            width=w,
        )
    d.arc(_box(cx, cy, u, -0.2, -0.2, 0.2, 0.15), 200, 340, fill="#212121", width=w)
    d.line(_points(cx, cy, u, (-0.97, -0.1), (-1.3, -0.25)), fill="#212121", width=w)
    d.line(_points(cx, cy, u, (0.97, -0.1), (1.3, -0.25)), fill="#212121", width=w)


def _jacket(d, cx, cy, u):
    red = "#e53935"
    d.polygon(
        _points(
            cx,
            cy,
            u,
            (-0.5, -0.9),
            (0.5, -0.9),
            (1.1, -0.3),
            (0.85, -0.05),
            (0.6, -0.3),
            (0.6, 0.9),
            (-0.6, 0.9),
            (-0.6, -0.3),
            (-0.85, -0.05),
            (-1.1, -0.3),
        ),
        fill=red,
    )
    d.line(_points(cx, cy, u, (0.0, -0.85), (0.0, 0.9)), fill="#b71c1c", width=int(u * 0.04))
    d.pieslice(_box(cx, cy, u, -0.3, -1.1, 0.3, -0.7), 0, 180, fill="#c62828")


MOTIFS = {
    "bike": _bike,
    "books": _books,
    "boxes": _boxes,
    "cake": _cake,
    "cat": _cat,
    "dice": _dice,
    "dog": _dog,
    "glasses": _glasses,
    "hedge": _hedge,
    "house": _house,
    "jacket": _jacket,
    "jars": _jars,
    "key": _key,
    "ladder": _ladder,
    "landscape": _landscape,
    "mower": _mower,
    "pallets": _pallets,
    "rabbit": _rabbit,
    "brown_rabbit": partial(_rabbit, fur="#bcaaa4"),
    "sofa": _sofa,
    "tools": _tools,
    "tree": _tree,
}
