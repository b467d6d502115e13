"""The function words of each script language: the words every lexical check of the checklist ignores.

A line's content words decide whether a sentence says it: the share of them heard, a word heard in
another's place, a name. Articles, prepositions, conjunctions, particles, pronouns and auxiliaries
carry the frame of a sentence, not its point, and agents swap them freely ("we can pick up your cat
on Monday" for "your cat is collected on Monday"). Counted as content, they dilute the share of a
line's words a paraphrase hears (a Ukrainian line with "можемо" and "вашого" in it is missing two of
its seven "content" words in every paraphrase that drops them), and they count as words of another
meaning in a sentence that says the line in its own frame.

The lists are written as ``tokens()`` yields words: lower case, Polish letters folded (``się`` is
``sie``), contractions split (``you'll`` is ``you will``). A token is looked up without knowing its
language; the lists share no word that is a content word in another of the four languages (Cyrillic
ru/uk and Latin en/pl cannot collide; "to", "do", "on", "a", "i", "o" are function words in both en
and pl). Of the negations only "не" and "nie" are light, as they always were: "not", "нет", "ні"
are content words, so that a negation heard as the line's own is part of the matched span, which the
negation checks (``negation.negated_at``, ``affirmed_at``) measure from. Question words ("what",
"how", "when") are not function words: "how many" and "when" carry what a question asks. Neither
are "still", "else" and "already" ("ещё", "ще", "jeszcze", "уже", "вже", "już"): "Czy mogę jeszcze w
czymś pomóc?" (anything else?) is not the greeting's "w czym mogę pomóc?". Nor are modal verbs of
obligation ("must",
"need", "должны", "musi"): a compliance line's duty is its point.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EN = _words(
    """
    a an the and or but nor if so as then
    to of for in on at by with from into onto about
    is are am be been being was were do does did done have has had having
    will would can could shall should may might
    it its this that these those there here
    i me my mine we us our ours you your yours he him his she her hers they them their theirs
    myself yourself ourselves themselves itself
    just please also too very really well okay ok oh
    """
)

RU = _words(
    """
    и а но или либо да же ли ль бы б ведь вот вон тоже также
    в во на с со к ко по за о об обо от до из изо у при про для над под через между около
    что чтобы чтоб это этот эта эти этого этой этому эту этим этих тот та те то того той тому
    не
    я меня мне мной мною мы нас нам нами вы вас вам вами он его него ему нему им ним она ее ей ней
    оно они их них
    мой моя мое мои моего моей моему мою наш наша наше наши нашего нашей нашему нашу
    ваш ваша ваше ваши вашего вашей вашему вашу вашим вашими ваших
    свой своя свое свои своего своей своему свою
    себя себе собой
    быть был была было были будет будут буду будем будете будешь есть
    можем можете может могу можно
    пожалуйста просто сейчас вот так
    """
)

UK = _words(
    """
    і й та а але або чи ж же би б бо теж також
    в у на з із зі до від для над під через між біля при про по за о об
    що щоб це цей ця ці цього цієї цьому цю цим цих той та ті те того тієї тому
    не
    я мене мені мною ми нас нам нами ви вас вам вами він його нього йому ньому ним вона її неї їй ній
    воно вони їх них їм ним
    мій моя моє мої мого моєї моєму мою наш наша наше наші нашого нашої нашому нашу
    ваш ваша ваше ваші вашого вашої вашому вашу вашим вашими ваших
    свій своя своє свої свого своєї своєму свою
    себе собі собою
    бути був була було були буде будуть буду будемо будете є
    можемо можете може можу можна
    будь ласка просто зараз ось
    """
)

PL = _words(
    """
    i a ale albo lub czy ze zeby bo to tez takze wiec
    w we na z ze do od dla nad pod przez miedzy przy o po za u
    ten ta to ci te tego tej temu tym tych tamten
    nie
    ja mnie mi mna my nas nam nami wy was wam wami on go jego jemu niego niemu nim ona jej niej nia
    ono oni ich nich im
    moj moja moje moi mojego mojej mojemu moja nasz nasza nasze nasi naszego naszej naszemu
    wasz wasza wasze wasi waszego waszej waszemu
    swoj swoja swoje swojego swojej swojemu
    sie siebie sobie soba
    pan pani pana panu panem panstwo panstwa panstwu
    byc jest sa jestem jestesmy jestescie byl byla bylo byli bedzie beda bede
    mozemy mozna moze moge mozecie
    prosze tak teraz
    """
)

ALL = EN | RU | UK | PL
