"""The words around a number that say what it is, in en, ru, uk and pl (on :func:`~agentassist.privacy.detect.fold`
ed text: lowercase, Polish diacritics and ё folded): card data's cues (a card, its expiry date, its
security code), the cues of numbers that are not card data (an order, a reference, a contract, a phone),
and the month names an expiry date may be said with ("December twenty seven", "до декабря 2027").

A cue is a regular expression; :func:`cues` finds its places less those a counter-pattern takes back
("zip code" is no security code, "SIM card" no payment card)."""

from __future__ import annotations

import re

from agentassist.assist.numbers import is_number_word
from agentassist.privacy.memo import remembered
from agentassist.privacy.said import TOKEN, items

CARD = "card"
EXPIRY = "expiry"
CVV = "cvv"
OTHER = "other"  # a number that is not card data: an order, a reference, a phone
DOCUMENT = "document"  # another thing's number that no card number is: a policy's, a contract's, a parcel's

# a number named as one that verifies or secures the card ("verification number", "numer weryfikacyjny", "проверочный
# номер", "numer zabezpieczający"), or as a value that does ("validation value", "проверочное значение", "wartość
# weryfikacyjna"): its code, where card data is about
_VERIFYING = (
    r"(?:verification|validation) (?:number|digits|value)"
    r"|(?:проверочн|перевірочн|защитн|захисн)\w* (?:номер\w*|цифр\w*|значени\w*|значенн\w*)"
    # ... the noun first, as Polish says it too ("номер проверочный", "номер перевірочний")
    r"|(?:номер\w*|значени\w*|значенн\w*) (?:проверочн|перевірочн|защитн|захисн)\w*"
    r"|(?:numer|wartos)\w* (?:weryfikacyjn|walidacyjn|zabezpiecz|kontroln)\w*"
    r"|(?:weryfikacyjn|walidacyjn|zabezpieczaj)\w* (?:numer|wartos)\w*"
)
# where on the card a code is printed, said after the code's name: a side, a corner ("on the right of the front",
# "справа на лицевой стороне", "праворуч на лицьовому боці", "po prawej na przodzie"); part of its cue
_SIDE = (
    r"(?:on|at|in|to) the (?:top |bottom |upper |lower )?(?:right|left|corner)(?: (?:of|on) the (?:front|back|card))?"
    r"|справа|слева|в углу|праворуч|ліворуч|в куті|у куті|po prawej|po lewej|w rogu"
)
_FACE = (
    r"on the (?:front|back)|на лицевой стороне|спереди|на обороте|сзади|на лицьовому боці|спереду|на звороті|ззаду"
    r"|na przodzie|z przodu|z tylu|na odwrocie"
)
_PLACED = rf"(?: (?:{_SIDE}|{_FACE})){{0,2}}"
# the expiry's place on the card, said after its name ("the expiry's on the front, 07/31", "the date on the front is
# 09 30"): an expiry's cue that reaches over the place, and no code's (one source for both)
_EXPIRY_ON_FRONT = r"(?:date|expiry|expiration|дата|дату|data)(?:'s| is)? on the front"
# a code named by its count of digits and the side they are printed on, a word or two about them between ("the four
# printed digits on the face", "четыре напечатанные цифры на лицевой стороне", "cztery nadrukowane cyfry z przodu")
_COUNTED_ON_SIDE = (
    r"(?:three|four|3|4|три|четыре|чотири|trzy|cztery)(?: [^\W\d_]+){0,2}"
    r" (?:digits|numbers|цифр\w*|cyfr\w*|cyferk\w*)(?: [^\W\d_]+)?"
    r" (?:on the (?:front|face|back)|на лицевой стороне|спереди|на обороте|сзади|на лицьовому боці|спереду|на звороті"
    r"|ззаду|z przodu|na przodzie|z tylu|na odwrocie)"
)
# the code's name spelled letter by letter as each language names the letters ("C-V-C", "see vee vee", "си-ви-си",
# "сі-ві-ві", "ce-fau-ce")
_SPELLED_CODE = (
    r"(?:c|see|cee)[ -]?(?:v|vee)[ -]?(?:v|vee|c|see|cee)2?|(?:си|цэ)[ -]?(?:ви|вэ)[ -]?(?:ви|вэ|си|цэ)"
    r"|сі[ -]?ві[ -]?(?:ві|сі)|ce[ -]?(?:fau|wu)[ -]?(?:fau|wu|ce)"
)
# the card's identification number, as American Express names its code (CID: "the card ID", "айди карты",
# "ідентифікатор картки", "identyfikator karty"): a code's only where card data is about (a student's card has an ID)
_CARD_ID = (
    r"card (?:id|identification(?: number| code)?|identifier)"
    r"|(?:id|айди|айді|идентификатор\w*|ідентифікатор\w*|identyfikator\w*) (?:карты|картки|karty)"
)
# the named cues first: a bare "code" (the last alternatives) is a security code's only where card data is
# about (:func:`code_cues_named` leaves it out); an American Express code is on the card's front
CVV_CUE = re.compile(
    # the code and where it is printed by a thing on the card ("the CVV by the hologram", "the code over the logo"),
    # first: the cue reaches over the place
    r"\b(?:"
    + _COUNTED_ON_SIDE
    + r"|(?:cvv2?|cvc2?|cid|csc|security code|card code|code) (?:printed |written )?(?:by|over|above|under|below"
    r"|beside|near|next to) the (?:hologram|logo|chip|signature|stripe|strip|magnetic strip|brand|bank'?s? name|name)"
    r"|cvv2?|cvc2?|cvn2?|cav2|cvd|csc|cv2|cid|" + _SPELLED_CODE + r"|security code"
    r"|card verification (?:code|value)|card code|"
    + _CARD_ID
    # ... and as Russian, Ukrainian and Polish say "card code", the card after it ("код карты"; not a PIN's)
    + r"|(?<!pin-)(?<!пин-)(?<!пін-)(?:код|kod) (?:карты|картки|karty)"
    # ... or its confirmation code, the card named after it ("код подтверждения карты", "код підтвердження картки",
    # "kod potwierdzenia karty")
    + r"|(?:код|kod)\w* (?:подтвержд|підтвердж|potwierdz|проверк|перевірк|weryfikac)\w* (?:карты|картки|karty)"
    # ... or a secret number, as a caller calls it ("the secret number's 640", "секретный код", "таємний код",
    # "tajny kod")
    + r"|(?:secret|секретн|таємн|tajn|sekretn)\w* (?:number|code|digits|код\w*|номер\w*|цифр\w*|kod\w*|numer\w*"
    + r"|cyfr\w*)"
    # ... or the digits printed on the white strip on its back ("the three printed on the white stripe")
    + r"|(?:three|four|digits|numbers)(?: printed| written)? on the (?:white |signature )?(?:stripe|strip|panel)"
    # the code named as a number that verifies or secures the card ("verification number", "numer weryfikacyjny",
    # "проверочный номер", "numer zabezpieczający"), where card data is about (:data:`_BARE_CODE`)
    r"|"
    + _VERIFYING
    + r"|digits on the back|on the back|(?:three|four|3|4)[- ]digit (?:security )?code(?: on the (?:front|back))?"
    r"|трехзначн\w* код\w*|тризначн\w* код\w*|trzycyfrow\w* kod\w*|kod\w* trzycyfrow\w*"
    # the code named by its length as a number ("the three-digit number is 662", "трёхзначный номер", "trzycyfrowy
    # numer"): a card has one three-digit number, its code
    r"|(?:three|3)[- ]digit (?:number|one|bit)|(?:трехзначн|тризначн)\w* (?:номер\w*|числ\w*)"
    r"|trzycyfrow\w* (?:numer\w*|liczb\w*)|numer\w* trzycyfrow\w*"
    r"|(?:three|four|3|4)(?: digits| numbers)? on the (?:(?:right|left) of the )?front|code on the front"
    r"|код\w* (?:на лицевой стороне|спереди|на лицьовому боці)"
    r"|(?:три|четыре|чотири|3|4)(?: цифр\w*)? (?:на лицевой стороне|спереди|на лицьовому боці|спереду)"
    # a code named by where it is printed, whatever the sentence around it: small digits ("the little ones", "маленькие
    # цифры", "małe cyferki"), the card's front or back, the signature strip, above, below or next to the number
    r"|(?:little|small|tiny|short) (?:ones|numbers?|digits?)"
    # the place said after them is part of the cue ("the little number above the big one, 8140": the cue ends there)
    r"(?: (?:printed |written )?(?:on|above|over|below|under|beside|next to)"
    r" the (?:[^\W\d_]+ ){0,2}(?:number|one|front|back))?" + _PLACED + r"|on the (?:front|reverse)"
    r"|(?:above|below|under|over|beside|next to) the (?:[^\W\d_]+ )?(?:number|digits)"
    r"|(?:by|near|beside|next to|on|at) (?:the|my) signature"
    r"|signature (?:strip|box|bar|area|field|space|panel)|(?:маленьк|мелк|дрібн|мал)\w* (?:цифр\w*|числ\w*|номер\w*)"
    + _PLACED
    + r"|сзади|ззаду"
    # the strip or the box for the signature ("полоса для подписи", "поле для подписи", "поле підпису")
    r"|(?:полос|смуг|смуж|смуз|пол[еяюіь]|полем|окошк|окош|віконц)\w* (?:для )?(?:подпис|підпис)\w*"
    r"|(?:над|рядом с|біля|поруч з) (?:номером|подписью|підписом)"
    r"|(?:pas|pol[eua]|polem|okienk|ramk)\w* (?:do |na )?podpis\w*|(?:mal|drobn)\w* (?:cyfr|cyferk|liczb|numer)\w*"
    + _PLACED
    # not "pod numerem" (under the number): Polish says a thing's number so ("pod numerem 118": number 118)
    + r"|(?:nad|obok) (?:numerem|podpisem)|pod podpisem"
    r"|(?:kod\w*|(?:trzy|cztery|3|4)(?: (?:cyfr|cyferk)\w*)?) z przodu"
    r"|код\w* спереду|код\w* безопасности|код\w* безпеки|kod\w* bezpieczenstwa|kod\w* zabezpieczaj\w*"
    r"|на обороте|обратной сторон\w*|на звороті|звороті|зворотн\w* бо\w*|три цифр\w*|z tylu|na odwrocie|na rewersie"
    r"|signature (?:strip|panel)|полос\w* для подписи|смуз\w* для підпису|pasku podpisu|pasek podpisu"
    r"|at the back|back of the card|the back (?:says|reads|has|shows)"
    # the back or the reverse named as where the code is, before it ("and the back 058", "the reverse one is 412",
    # "the back side, 771"), not a place in a room ("at the back, row 12" is a seat's, "at the back" above counts it)
    r"|(?:and|on|from|at) the (?:back|reverse)(?: side| one| of it)?|the reverse(?: side| one)?|reverse side"
    r"|the back(?: side| one)?(?= is| are| says| reads|[,:]| -)"
    r"|тыльн\w* сторон\w*|задн\w* сторон\w*|тильн\w* (?:бо\w*|сторон\w*)|задн\w* бо\w*|задній стороні"
    r"|(?:na )?tyln\w* stron\w*|na tyle(?: karty)?"
    r"|trzy cyfry|code|код\w*|kod\w*|security"
    r"|(?:three|four) digits|(?:three|four) more(?: digits| numbers)?"
    # an American Express's code is printed above its number, on the front: "the four small digits above the number",
    # "четыре цифры над номером", "чотири цифри над номером", "cztery cyferki nad numerem"
    r"|(?:digits?|numbers?|цифр\w*|cyfr\w*|cyferk\w*) (?:above|over|над|nad)"
    r" (?:it|the (?:card |big |long |main )?(?:number|one)|номером|numerem)"
    # ... and the side it is on after them ("над номером спереди", "nad numerem z przodu"): one cue
    r"(?: (?:on the front|спереди|на лицевой стороне|спереду|на лицьовому боці|z przodu|na przodzie))?"
    # or the place named first, the digits after it ("над номером маленькие цифры", "nad numerem sa male cyfry")
    r"|(?:над|nad) (?:номером|numerem)(?:(?: [^\W\d_]+){0,3} (?:цифр\w*|cyfr\w*|cyferk\w*))?"
    r")\b"
)
_BARE_CODE = re.compile(
    r"code|код\w*|kod\w*|(?:three|four) digits|(?:three|four) more(?: digits| numbers)?|security"
    # a number named by its length ("a three-digit number": a room's as well)
    r"|(?:three|3)[- ]digit (?:number|one|bit)|(?:трехзначн|тризначн)\w* (?:номер\w*|числ\w*)"
    r"|trzycyfrow\w* (?:numer\w*|liczb\w*)|numer\w* trzycyfrow\w*"
    # a number that verifies or secures something ("your verification number is 412": a login's as well)
    r"|" + _VERIFYING + r"|" + _CARD_ID
)  # "the three digits are 5 1 2"
# a confirmation code is a one-time code sent by text (four digits or more), but one of three digits is the card's
# own, said with its data ("validation code 902", "код подтверждения 902", "kod potwierdzający: 902")
_NOT_THREE = r"\b(?![\s:,\-–—]+(?:is\s+|это\s+|це\s+|to\s+)?\d{3}(?!\d))"
# codes of other things: a place's, a discount's, a door's, goods' (customs tariff: HS, CN, ТН ВЭД, УКТ ЗЕД)
NOT_CVV = re.compile(
    r"\b(?:zip|area|postal|post|promo|discount|country|dialling|dialing|door|gate|entry|access|alarm|intercom"
    r"|tariff|customs|commodity|hs|cn|product|item|sort|wi-?fi|sms|text|one-time|otp|login|blik"
    r"|activation|error|fault|status|response|reason|decline|return) codes?|confirmation codes?"
    + _NOT_THREE
    + r"|social security|security (?:guard|deposit|alarm|system|question|check)s?"
    # a bare code right after an error, a refusal or its reason is named, or the card said declined ("На карте висит
    # ошибка, код 341", "Карту отклонили, причина — код 05", "Karta odrzucona, kod 51"): the terminal's answer
    r"|(?:error|fault|failure|declined|refused|rejected|reason|ошибк\w*|сбой|отказ\w*|отклон\w*|причин\w*|помилк\w*"
    r"|збій|відмов\w*|відхил\w*|blad|bledu|bledem|odrzucon\w*|odrzucil\w*|odmow\w*|powod\w*)"
    r"(?: (?:is|was|shows|says|это|це|to|pokazuje))?[\s,:\-–—]+(?:(?:the|a) )?(?:code|код|kod)\b"
    # a voucher's, a gift's or a coupon's code: the shop's own number ("the voucher code is 5521 7730 0914")
    r"|(?:voucher|gift|coupon|redemption|referral|bonus) codes?|(?:подарочн|подарунков)\w* код\w*"
    r"|смс-код\w*|sms-код\w*"
    # the expiry's place on the card, not a code's: "the date on the front is 09 30"
    + r"|"
    + _EXPIRY_ON_FRONT
    + r"|код\w* (?:города|міста|страны|країни|домофон\w*|двер\w*|подъезд\w*|під'їзд\w*|хвіртк\w*|калитк\w*"
    r"|ворот|(?:від|от) (?!карт)|тн|укт|товар\w*|тариф\w*|из смс|из sms|з смс"
    # an error's or a refusal's code on a terminal or a screen ("error code 341", "код ошибки", "kod błędu")
    r"|ошибк\w*|помилк\w*|отказ\w*|відмов\w*"
    r"|активаци\w*|активації|ваучер\w*|купон\w*|сертификат\w*|сертифікат\w*"
    r"|(?:подтвержден|підтвердженн)\w*(?!\s+карт)"  # not the card's own ("код подтверждения карты": a code's cue)
     + _NOT_THREE + r")|(?:почтов\w*|поштов\w*) код\w*|промокод\w*"
    r"|штрих-?код\w*"
    r"|kod\w* (?:pocztow\w*|kraju|rabatow\w*|kreskow\w*|do (?!kart)|cn|hs|taryf\w*|celn\w*|towar\w*|domofonu|bramy"
    r"|bledu|odmowy|sms|blik|z sms|potwierdzaj\w*"
    + _NOT_THREE
    + r"|aktywacyjn\w*|bonu|kupon\w*|voucher\w*|certyfikat\w*|podarunkow\w*)"
)
# the first month a card is valid: masked with the last, said with it; where the card's expiry was said before and
# not beside it, another thing's start ("срок 05/28, ... и абонемент действует с 01.03": the pass's first day)
VALID_FROM = re.compile(r"valid from|действует с|действительна с|дійсна з|діє з|wazna od")
EXPIRY_CUE = re.compile(
    # where the date is printed, said after its name, first: the cue reaches over it ("the expiry's on the front, ...")
    r"\b(?:" + _EXPIRY_ON_FRONT + r"|expiry|expiration|expires?|expiring|exp|valid (?:until|thru|through|till|to)"
    r"|good (?:until|till|thru|through)"
    r"|срок\w* действия|действует до|действительна до|годна до|(?:термін|строк)\w* дії|дійсна до|діє до"
    r"|(?:data|date|daty|dacie) waznosci|waznosc\w*|wazna do|runs? out"
    r"|runs? (?:until|till|thru|through|to)|срок|термін|строк|"
    + VALID_FROM.pattern
    # ends in a month ("kończy się w grudniu 27", "заканчивается в декабре") or at its end ("wygasa z końcem lutego"),
    # not on digits ("kończy się na 4242")
    + r"|(?:konczy sie|uplywa|wygasa|заканчивается|истекает|закінчується|спливає)"
    + r"(?= (?:w|в|у|z koncem|pod koniec) [^\W\d_])"
    r")\b"
)
# another thing's validity ("the warranty is valid till", "гарантия действует до", "licencja ważna do", "термін дії
# гарантії"): no card's expiry, its cue taken back; a warranty's, a licence's, a subscription's, an insurance's; not
# where a card is named between ("the warranty is on the card, which expires ...": the card's)
_VALIDITY_OF = (
    r"(?:warrant(?:y|ies)|guarantee|licen[cs]e|subscription|membership|insurance|coverage|passport"
    # ... or a travel pass's ("my bus pass ... expires", "проездной действует до", "проїзний", "bilet miesięczny")
    r"|pass(?:es)?\b|travelcard|season ticket|проездн\w*|проїзн\w*|bilet\w* (?:miesieczn|okresow|kwartaln)\w*"
    r"|гаранти[яиюей]\w*|лицензи\w*|подписк\w*|абонемент\w*|страховк\w*|паспорт\w*"
    r"|гаранті[яїюйє]\w*|ліцензі\w*|підписк\w*|страхуванн\w*"
    r"|gwarancj\w*|licencj\w*|subskrypcj\w*|abonament\w*|ubezpieczeni\w*|paszport\w*)"
)
NOT_EXPIRY = re.compile(
    r"\b"
    + _VALIDITY_OF
    + r"(?:[\s,]+(?!cards?\b|карт|kart)[^\W\d_]+){0,3}?"
    # the thing's own number may be between ("Licence 4400 1234 9876, it's valid till 11/27"): up to three groups
    # of up to four digits, fewer than a card's (a card said there is named by its digits: its expiry stays one)
    + r"(?:[\s,]+\d{1,4}){0,3}(?:[\s,]+(?!cards?\b|карт|kart)[^\W\d_]+(?:'[^\W\d_]+)?){0,3}?[\s,]+"
    + r"(?:valid|good|expir|runs?|lasts?|действ|годн|дійсн|діє|чинн|wazn|obowiazuj)"
    + r"|\b(?:срок\w* действия|(?:термін|строк)\w* дії|okres\w*|(?:data|date|daty|dacie) waznosci) "
    + _VALIDITY_OF
    # or a payment's or a delivery's term ("срок уплаты до 1 декабря 2027 года", "termin płatności do 10.12")
    + r"|\b(?:срок\w*|термін\w*|строк\w*|termin\w*) (?:уплаты|оплаты|погашения|доставки|возврата|сплати|оплати"
    + r"|погашення|доставки|повернення|platnosci|zaplaty|splaty|dostawy|zwrotu)"
    # or with no verb, the thing and "until" right after it ("Гарантия до 2028 года", "the warranty until 2028")
    + r"|\b"
    + _VALIDITY_OF
    + r"[\s,]+(?:до|do|until|till)\b"
)
NEAR_CARD_CUE = re.compile(r"\b(?:до|do|until|till)\b")  # "card ..., до 11/25": an expiry only beside a card number
# or a card named, right before a month ("Карта до апреля 2030-го")
# "the date on it is ...", "valid 11/27", "termin: 03.29", "ważna: 04/28": a weak cue, an expiry's only where card
# data is about and the year is one a card has
DATE_CUE = re.compile(
    r"\b(?:date|дата|дату|data|valid|termin|wazn[aey]|действительн\w*|действует|годн[аы]|дійсн\w*|діє|чинн\w*)\b"
)
# a payment card, by name or brand ("номер карты", "na karcie", "картка", "Visa")
CARD_CUE = re.compile(
    r"\b(?:cards?|credit|debit|visa|mastercard|master card|amex|american express|maestro|long number|unionpay|union pay"
    r"|американ экспресс|американ експрес"
    r"|discover|jcb|diners"
    r"|карт(?:а|ы|у|е|ой|очк\w*)|картк\w*|картці|карт[иіу]|карткою|виз(?:а|ы|у|ой)|віз(?:а|и|у|ою)|мастеркард\w*|маэстро"
    # a brand as a case of Russian, Ukrainian or Polish says it ("оплачу Визой", "Це Амекс", "mam Visę": "vise")
    r"|vis[eyą]|visie|маестро|амекс\w*|амэкс\w*|дайнерс\w*|мастеркарт\w*"
    # ... and a Polish case of a brand written in Latin letters ("z Amexa", "Mastercardem", "na Maestro")
    r"|amex(?:a|em|ie|owi)|mastercard(?:a|em|zie|owi)|maestr(?:a|em|ze)"
    r"|kart(?:a|y|e|o)|karcie|kartow\w*)\b"
)
# the head noun "card" with a modifier that makes it another thing's card: a club's, a member's, a fan club's, a
# loyalty scheme's, a gift, a SIM, a library's; the modifier said before the noun (an adjective: "членской карты",
# "loyalty card") or after it (a genitive or an adjective: "карты клуба", "картки фан-клубу", "karty członkowskiej
# klubu", "karta stałego klienta"; English says it before), one word of other modifiers at most between
# ("членской карты нашего клуба")
_NOT_PAYMENT = (
    r"(?:(?<![^\W\d_])(?:(?:фан|fan)-?)?(?:(?<!diners )club|клуб|klub|member|член|czlonk|loyal|лояльн|lojaln"
    r"|bonus|бонус|discount|дисконт|знижк|rabat|gift|подароч|подарун|podarunk|накопит|накопич|library|библиот|бібліот"
    r"|bibliot|участник|учасник|uczestnik|czytelni|читател|читацьк|reader"
    r"|identity|health|insurance|business|boarding|reward|store|клиент|клієнт|klient|постоянн|постійн|stal(?=[aeoy])"
    # a patient's card, a clinic's or a hospital's ("medical card", "карта пациента", "медична картка", "karta
    # pacjenta"): the clinic's record number, no payment card
    r"|medical|patient|clinic|hospital|nhs|медицин|медичн|пациент|пацієнт|pacjent|medyczn|амбулатор"
    r"|поликлиник|полікліні|больниц|лікарн|клиник|клінік|клініц|przychodni|szpital|омс|ehic|ekuz|nfz|vet|ветеринар"
    r"|weterynar"
    # a student's, a school's, a gym's, an employee's or a fare card ("student card ID", "студенческий билет", "karta
    # miejska"): its holder's number, no payment card
    r"|student|студенч|студентськ|studenck|school|школьн|шкільн|szkoln|gym|fitness|фитнес|фітнес|silowni|staff"
    r"|employee|сотрудник|співробітник|pracownik|parking|парковоч|паркувальн|transport|транспортн|проездн|проїзн"
    r"|oyster|miejsk)"
    r"[^\W\d_]*(?:-[^\W\d_]+)?|(?<![^\W\d_])(?:sim|сим|id|key)(?![^\W\d_]))"
)
_CARD_NOUN = r"(?:cards?|карт[^\W\d_]*|kart[^\W\d_]*|karcie)(?![^\W\d_])"
NOT_CARD = re.compile(
    rf"{_NOT_PAYMENT}[\s-]+(?:[^\W\d_]+\s+)?{_CARD_NOUN}"
    rf"|(?<![^\W\d_])(?:карт|kart)[^\W\d_]*(?:\s+[^\W\d_]+)?\s+{_NOT_PAYMENT}"
)
# a loyalty programme's number named so ("rewards number", "номер бонусной программы", "numer programu
# lojalnościowego"): a programme issues its own numbers, often with a Luhn check digit, and no card's
_PROGRAMME = (
    r"(?:rewards?|loyalty|bonus|points|mileage|miles|frequent (?:flyer|flier)|membership)"
    r" (?:number|no|id|account|programme|program|club)"
    r"|(?:бонусн|накопительн|накопичувальн)\w* (?:программ\w*|програм\w*|сч[её]т\w*|рахун\w*)"
    # a member's number ("членский номер", "номер участника", "numer członkowski"): a club's, a programme's
    r"|(?:членск|членськ)\w* (?:номер\w*|билет\w*|квит\w*)|номер\w* (?:участник\w*|учасник\w*|член[ау])"
    r"|numer\w* czlonkowsk\w*|czlonkowsk\w* numer\w*|numer\w* czlonka\b"
    r"|(?:программ\w*|програм\w*) (?:лояльност\w*|бонус\w*|лояльності)"
    r"|program\w* (?:lojalnosciow\w*|bonusow\w*|punktow\w*|partnersk\w*)|(?:lojalnosciow|bonusow)\w* program\w*"
)
# an insurance claim's number ("car insurance claim 4485 ...", "страховой случай", "szkoda komunikacyjna nr"): an
# insurer's own, Luhn-valid as often as a card's group of digits is
_CLAIM = (
    r"(?:insurance|warranty) claim|claim (?:number|no|reference|ref)|страхов\w* (?:случа|випад|убыт|збит)\w*"
    r"|номер\w* (?:убытка|збитку)|szkod\w* (?:komunikacyjn\w*|ubezpieczeniow\w*|nr|numer)|numer\w* szkody"
)
# a case's number at a court, an office or an insurer: "numer sprawy", "номер дела", "номер справи", "sygnatura akt"
# (not "w sprawie": about; not "дела", "справи" alone: affairs)
_COURT_CASE = (
    r"numer\w* sprawy|sprawa numer|sygnatur\w*|номер\w* дела|дело (?:номер|№)|номер\w* справи|справа (?:номер|№)"
)
_CARRIER = r"fedex|usps|dhl|dpd|gls|inpost|cdek|сдэк|нов\w* почт\w*|нов\w* пошт\w*|укрпошт\w*"  # a parcel's carrier
# a number that is not card data, whatever its digits: it is not masked unless Luhn-valid
OTHER_CUE = re.compile(
    r"\b(?:reference|ref|order|invoice|ticket|tracking|contract|account|policy|booking|confirmation|case|claim"
    # a request's or an application's number named so ("request number", "номер запроса", "numer wniosku"), not the
    # verb ("I request a refund to ...")
    r"|(?:request|application|inquiry|enquiry) (?:number|no|id|reference|ref)|номер\w* (?:запрос\w*|запит\w*)"
    r"|(?:запрос\w*|запит\w*) (?:номер|№)|numer\w* wniosku|nr wniosku|wniosek (?:numer|nr)"
    r"|" + _PROGRAMME + r"|" + _CLAIM + r"|customer number|member number"
    r"|serial|imei|iccid|meid|barcode|bar code|ean|upc|gtin|sku|серийн\w*|серійн\w*|seryjn\w*|артикул\w*"
    r"|parcel|shipment|transaction|receipt|reservation"
    # a parcel tracked by its number, the verb said ("tracked under", "отслеживаются по номеру", "відстежуються за
    # номером", "śledzimy pod numerem")
    r"|track(?:ed|s)? (?:by|under|with)|отслеж\w*|відстеж\w*|sledz\w*"
    r"|registration|passport|licen[cs]e|social security|tax|vat|postcode|zip|phone|mobile|cell|cellphone|telephone"
    r"|fax|extension"  # not "my number" alone: a card is said so too ("my number is 4916 3385 ...")
    # an amount's or an address's noun ("card ..., room 412", "карта ..., сумма 350"): no code after them
    r"|amount|total|price|room|apartment|flat|suite|сумм[аеуы]|цен[аеуы]|стоимост\w*|квартир\w*|сум[аиу]|ціна|ціну"
    r"|вартіст\w*|kwot[aeyą]|kwocie|sum[aeyą]|cen[aeyą]|koszt\w*|mieszkani\w*|pokoj\w*|lokal\w*"
    r"|street|avenue|road|улиц\w*|вулиц\w*|проспект\w*|ulic\w*|alej\w*"
    # ... a house's ("дом 12/3", "будинок 12 дробом 3", "budynek 12"): no expiry or code either
    r"|house|building|дом|доме|будин\w*|budyn\w*"
    + r"|"
    + _CARRIER
    # asked to call a number, not someone ringing now ("ktoś dzwoni do drzwi", "кто-то звонит в дверь": an aside)
    + r"|call (?:me|us|back)|reach (?:me|us)|text me|ring me|whatsapp|viber|звонит[еь]\w*|перезвонит\w*|позвонит\w*"
    r"|передзвон\w*|зателефонуй\w*|подзвон\w*|dzwon(?!ia?(?![^\W\d_]))\w*|zadzwon\w*|oddzwon\w*"
    r"|договор\w*|договір|заказ\w*|сч[её]т\w*|полис\w*|поліс\w*|обращени\w*|заявк\w*|накладн\w*|трек\w*|посылк\w*"
    r"|отправлени\w*|инн|снилс|паспорт\w*|квитанц\w*|транзакц\w*|лицев\w*(?! сторон)|бронювання|бронировани\w*|билет\w*"
    r"|абонент\w*|телефон\w*|мобильн\w*|мобільн\w*|замовлен\w*|рахун\w*|звернен\w*|посилк\w*|відправлен\w*"
    r"|операци\w*|операці\w*|operacj\w*|іпн|ипн|квит\w*|чек(?:а|у|ом|е|и|ів|ов)?|штрих-?код\w*|индекс\w*|індекс\w*|iban|ибан|айбан|ттн|ттн-\w*"
    r"|zamowieni\w*|faktur\w*|umow\w*|rachun\w*|konto|konta|kontem|zgloszeni\w*|przesylk\w*|paczk\w*|pesel|nip"
    r"|gym|абонемент\w*|спортзал\w*|karnet\w*|abonament\w*|silowni\w*"
    r"|payment reference|назначени\w* платеж\w*|призначенн\w* платеж\w*|tytul\w* (?:przelewu|platnosci)"
    r"|лицензи\w*|ліцензі\w*|licencj\w*|rozliczeniow\w*|routing|sort code"
    r"|meter|счетчик\w*|счётчик\w*|лічильник\w*|licznik\w*|рнокпп"
    # a complaint's number ("номер претензии", "numer reklamacji"), not a complaint alone (a card may follow)
    r"|complaint (?:number|no|id|reference)|жалобы|претензии|рекламации|скарги|претензії|рекламації|reklamacji"
    r"|skargi"
    r"|regon|dowod\w*|paszport\w*|polis\w*|numer klienta|referencyjn\w*|sledzeni\w*|bilet\w*|rezerwacj\w*"
    r"|transakcj\w*|paragon\w*|kwit|kwit[ue]|kwitem|kwity|telefon\w*|komork\w*|kod\w* kreskow\w*|kod\w* pocztow\w*"
    r"|" + _COURT_CASE + r")\b"
)
# paying an amount ("I'd like to pay 250", "заплачу 300", "zapłacę 199"), or the payment named ("and the payment
# is 249.99", "и оплата 1 490 рублей", "a płatność 349,50 zł"): the number after is no code; not a cue of another
# number for a card ("charge the $249.50 to 5388 ...", "оплата картой 4276 ...": the card follows it)
PAYING = re.compile(
    r"\b(?:pay|paying|paid|payment|payments|charge|заплат\w*|заплач\w*|оплач\w*|оплат\w*|платеж\w*|платіж\w*"
    r"|сплач\w*|сплат\w*|zaplac\w*|oplac\w*|oplat\w*|platnosc\w*|platnos\w*|wplat\w*|doplat\w*)\b"
)

# a document's or a parcel's number (among OTHER_CUE's): one said so is no card number, even Luhn-valid and
# beginning as a card does ("policy number 4021 7735 9910 2281": one in ten numbers passes Luhn), unless a card
# is named in the same utterance; a device's or a SIM's identifier (IMEI, ICCID, MEID, serial) carries a Luhn
# check digit by design; "account", "phone" and the like are not here (a card account may be said so)
DOCUMENT_CUE = re.compile(
    r"\b(?:policy|contract|invoice|order(?! to\b)|booking|reservation|ticket|tracking|track(?:ed|s)? (?:by|under|with)"
    r"|отслеж\w*|відстеж\w*|sledz\w*|parcel|shipment|waybill"
    r"|imei|iccid|meid|serial|case (?:number|no|file|reference)|"
    + _CLAIM
    # a product's number (EAN-13 and UPC carry a check digit that passes Luhn's one in three times; a 13-digit Visa
    # exists): the naming word decides
    + r"|barcode|bar code|ean|upc|gtin|sku|product (?:code|number)|штрих-?код\w*|kod\w* kreskow\w*|kod\w* produkt\w*"
    r"|серийн\w*|серійн\w*|seryjn\w*|артикул\w*|"
    + _PROGRAMME
    + r"|"
    + _COURT_CASE
    + r"|"
    + _CARRIER
    + r"|договор\w*|договір\w*|полис\w*|поліс\w*|заказ\w*|замовлен\w*|накладн\w*|ттн|трек\w*|посылк\w*|посилк\w*"
    r"|квитанц\w*|бронировани\w*|бронювання|билет\w*|квит\w*"
    # an invoice ("счёт-фактура", "рахунок-фактура", "фактура") and a bill read from ("в счёте", "у рахунку": in it;
    # not "на счёт", "на рахунок": an account paid into, which a card may be said as)
    r"|сч[её]т\w*[- ]фактур\w*|рахун\w*[- ]фактур\w*|фактур\w*|(?<![^\W\d_])(?:в|во) сч[её]те|(?<![^\W\d_])у рахунку"
    r"|сч[её]т\w* на оплату|рахун\w* на оплату"
    r"|gym|абонемент\w*|спортзал\w*|karnet\w*|abonament\w*|silowni\w*"
    r"|payment reference|назначени\w* платеж\w*|призначенн\w* платеж\w*|tytul\w* (?:przelewu|platnosci)"
    r"|umow\w*|polis\w*|faktur\w*|zamowieni\w*|przesylk\w*|paczk\w*|rezerwacj\w*|bilet\w*|kwit|kwit[ue]|kwitem|kwity)\b"
    # a card a loyalty scheme, a club or a library issues, named so ("my loyalty card, 6333 ...", "на карту
    # лояльности 6333 ...", "na kartę lojalnościową 6333 ..."): the scheme's own number, Luhn-valid by design (not a
    # store's or a business's card: either may be a payment card)
    r"|(?:loyalty|rewards?|bonus|club|member(?:ship)?|library|discount|health|medical|patient|clinic|hospital|nhs"
    r"|vet|veterinary)"
    r"(?: insurance)? cards?\b|(?:ehic|омс|ekuz|nfz) card\w*|(?:карт\w*|картк\w*|kart\w*) (?:омс|ekuz|nfz)"
    # ... or a patient's card, a clinic's (the clinic's record number): "медицинская карта", "карта пациента",
    # "медична картка", "картка пацієнта", "karta pacjenta", "karta medyczna"
    r"|(?:медицинск|медичн|амбулаторн)\w* (?:карт\w*|картк\w*)"
    r"|(?<![^\W\d_])(?:карт\w*|kart\w*|karcie) (?:(?:в|у|w) )?(?:пациент|пацієнт|pacjent|medyczn|поликлиник|полікліні"
    r"|przychodni|клиник|клінік|клініц|больниц|лікарн|szpital|ветеринар|weterynar)\w*"
    r"|(?<![^\W\d_])(?:карт\w*|kart\w*|karcie) (?:лояльн|lojaln|бонусн|bonusow|клуб|klub|членск|членськ|czlonkowsk"
    r"|дисконт|знижков|rabatow|библиот|бібліот|bibliotecz|участник|учасник|uczestnik)\w*"
    # ... or named by whom it is for, a regular customer ("karta stałego klienta", "карта постоянного клиента",
    # "картка постійного покупця"): a shop's scheme card
    r"|(?<![^\W\d_])(?:карт\w*|kart\w*|karcie) (?:постоянн|постійн|stal)\w*"
    r" (?:клиент|покупател|клієнт|покупц|klient)\w*"
    r"|(?<![^\W\d_])(?:лояльн|lojaln|бонусн|bonusow|членск|членськ|czlonkowsk|дисконтн|знижков|клубн)\w*"
    r" (?:карт\w*|kart\w*)"
)

_MONTH_NAMES = {  # as said alone, "until" one (genitive) and "in" one (locative)
    1: "january jan январь января январе січень січня січні styczen stycznia styczniu",
    2: "february feb февраль февраля феврале лютий лютого лютому luty lutego lutym",
    3: "march mar март марта марте березень березня березні marzec marca marcu",
    4: "april apr апрель апреля апреле квітень квітня квітні kwiecien kwietnia kwietniu",
    5: "may май мая мае травень травня травні maj maja maju",
    6: "june jun июнь июня июне червень червня червні czerwiec czerwca czerwcu",
    7: "july jul июль июля июле липень липня липні lipiec lipca lipcu",
    8: "august aug август августа августе серпень серпня серпні sierpien sierpnia sierpniu",
    9: "september sep sept сентябрь сентября сентябре вересень вересня вересні wrzesien wrzesnia wrzesniu",
    10: "october oct октябрь октября октябре жовтень жовтня жовтні pazdziernik pazdziernika pazdzierniku",
    11: "november nov ноябрь ноября ноябре листопад листопада листопаді listopad listopada listopadzie",
    12: "december dec декабрь декабря декабре грудень грудня грудні grudzien grudnia grudniu",
}
# a month's short form in Russian, Ukrainian and Polish, as a recognizer writes it: with its full stop ("до сент. 27",
# "do lut. 2031"); without it, some are words ("лист", "лип", "mar")
_MONTH_SHORT = {
    1: "янв січ sty",
    2: "фев лют lut",
    3: "мар бер mar",
    4: "апр квіт kwi",
    5: "трав",
    6: "июн черв cze",
    7: "июл лип lip",
    8: "авг серп sie",
    9: "сен сент вер wrz",
    10: "окт жовт paz",
    11: "ноя нояб лист lis list",
    12: "дек груд gru",
}
MONTHS = {word: month for month, words in _MONTH_NAMES.items() for word in words.split()}
MONTHS |= {word + ".": month for month, words in _MONTH_SHORT.items() for word in words.split()}
_SLASHED_SHORT = {word: month for month, words in _MONTH_SHORT.items() for word in words.split()}
_WORDS_TOO = {"sie", "list", "лист", "mar", "lip", "лип"}  # short forms that are words too: "się", a letter, a lip
MONTHS |= _SLASHED_SHORT
MONTH = re.compile(
    r"(?<![^\W\d_])(?:"
    + "|".join(map(re.escape, sorted(set(MONTHS) - set(_SLASHED_SHORT), key=len, reverse=True)))
    # ... and without its full stop where a slash and the year follow at once, as "Apr/29": "апр/29", "kwi/29", or a
    # hyphen and a year of two digits ("июл-30", "лип-30", "lip-30"); or a
    # card's year of two digits after a space ("до фев 29", "ważna do lut 29"), but a short form that is a word too
    # ("sie" is "się", "лист" a letter)
    + r"|(?:"
    + "|".join(sorted(_SLASHED_SHORT, key=len, reverse=True))
    + r")(?=\s?/\s?\d|-\d\d(?!\d))|(?:"
    + "|".join(sorted(set(_SLASHED_SHORT) - _WORDS_TOO, key=len, reverse=True))
    + r")(?= \d\d(?!\d|[.,:/]\d))"
    # ... or a year of four digits after a space, even where the short form is a word too ("expiry Mar 2030", "do lut
    # 2030", "до лист 2029"), but "się"
    + r"|(?:"
    + "|".join(sorted(set(_SLASHED_SHORT) - {"sie"}, key=len, reverse=True))
    + r")(?= 20\d\d(?!\d|[.,:/]\d))"
    + r")(?![^\W\d_])"
)
# a month said by its number as an ordinal, "of the month": "восьмого месяца" (August), "do dwunastego miesiąca"
_MONTH_ORDINALS = {
    1: "первого першого pierwszego",
    2: "второго другого drugiego",
    3: "третьего третього trzeciego",
    4: "четвертого czwartego",
    5: "пятого п'ятого piatego",
    6: "шестого шостого szostego",
    7: "седьмого сьомого siodmego",
    8: "восьмого osmego",
    9: "девятого дев'ятого dziewiatego",
    10: "десятого dziesiatego",
    11: "одиннадцатого одинадцятого jedenastego",
    12: "двенадцатого дванадцятого dwunastego",
}
_GENITIVE_ORDINALS = {word: month for month, words in _MONTH_ORDINALS.items() for word in words.split()}


def _in_month(genitive: str) -> list[str]:
    """The ordinal's locative, as "in the Nth month" says it, from its genitive: "двенадцатого" → "двенадцатом",
    "третьего" → "третьем"; "дванадцятого" → "дванадцятому"; "dwunastego" → "dwunastym", "trzeciego" → "trzecim"."""
    stem = genitive[:-3]
    if genitive.endswith("iego"):
        return [genitive[:-4] + "im"]
    if genitive.endswith("ego"):
        return [stem + "ym"]
    return [stem + "ем"] if genitive.endswith("его") else [stem + "ом", stem + "ому"]


# an expiry's month by its number, an ordinal of the word "month": "до восьмого месяца", "в двенадцатом месяце",
# "у дванадцятому місяці", "w dwunastym miesiącu"
MONTH_ORDINALS = _GENITIVE_ORDINALS | {
    word: month for genitive, month in _GENITIVE_ORDINALS.items() for word in _in_month(genitive)
}
MONTH_BY_NUMBER = re.compile(
    r"(?<![^\W\d_])(" + "|".join(MONTH_ORDINALS) + r")\s+(?:месяца|місяця|miesiaca|месяце|місяці|miesiacu)(?![^\W\d_])"
)
# an expiry said as its parts named: "месяц ноль три, год двадцать девять", "miesiąc 04, rok 30", "month 7, year 28"
MONTH_WORD = re.compile(r"\b(?:month|месяц|місяць|miesiac)\b[\s:,\-–—]*(?:(?:is|это|to)[\s:,\-–—]*)?$")
YEAR_WORD = re.compile(r"\b(?:year|год|рік|rok)\b[\s:,\-–—]*(?:(?:is|это|to)[\s:,\-–—]*)?$")

# a number said again, corrected: "twelve twenty-six, no, sorry, twelve twenty-seven", "4352 3068 2012, ой, нет, 2102"
CORRECTION = re.compile(
    r"\b(?:no|sorry|i mean|wait|нет|ой|простите|извините|то есть|ні|вибачте|тобто|nie|przepraszam|to znaczy"
    # ... or said as "rather": "or rather", "I meant", "вернее", "точнее", "вірніше", "точніше", "znaczy", "właściwie"
    r"|or rather|i meant|вернее|точнее|вірніше|точніше|znaczy|wlasciwie"
    # a group written down wrong, struck out: "scratch that", "зачеркните", "закресліть", "proszę skreślić"
    r"|scratch that|cross that out|зачеркн\w*|закресл\w*|skresl\w*)\b"
)

# an amount's currency sign right before it ("for $59", "€ 120", "the $249.99 order"): no card data follows one
CURRENCY = re.compile(r"[$€£¥₴₽]\s?$")

# a speaker's filler sounds ("um", "э-э", "е-е", "yyy"): a final ending on them has said nothing after its last
# number, which may go on in the next final ("My card is 4929 8758, um" | "8670 2278."). A short closed list of
# sounds, kept where the digits cannot decide alone: a number said on past them is joined even where it fails the
# Luhn check (a digit misheard, a card named), which after any other words (:func:`says_apart`) it is not
# (a sound says nothing at all; words might be about something else)
# Each language's, in one place (a recognizer writes a drawn sound with the letter repeated: "umm", "эээ", "yyy"; "э-э"
# is two words of "э"). Polish "no" (well) is left out: it is English's correction, and a card said on past a
# correction is read by the correction's rules (its last groups said again).
FILLERS = {
    "en": r"u+m+|u+h+|e+r+m*|h+m+|m+|a+h+|e+h+",
    "ru": r"э+|э+м+|м+|ну",
    "uk": r"е+|е+м+|м+|ну",
    "pl": r"y+|e+|y+m+|e+m+|m+",
}
FILLER = re.compile("|".join(FILLERS.values()))


def fillers_only(folded: str) -> bool:
    """Whether ``folded`` holds no word but fillers (:data:`FILLER`), or none at all."""
    return all(FILLER.fullmatch(w) for w in TOKEN.findall(folded))


def words_said(folded: str) -> int:
    """How many words ``folded`` holds that are not fillers: "4326, um, 2470, um, 6808" has none between its groups."""
    return sum(not FILLER.fullmatch(w) for w in TOKEN.findall(folded))


# words that take back what was just said or set it aside as another card's: "that was the old one", "no wait, not
# that", "wrong card", "это старая", "не та", "це стара", "to stara", "nie ta"; a number that went on past them is
# not the one said before them
RETRACTION = re.compile(
    r"\b(?:old|older|previous|expired|wrong|cancel\w*|scratch that|never ?mind|forget (?:it|that)|not (?:that|this|it)"
    r"|(?:another|different|the other) (?:card|one)"
    r"|стар\w*|прежн\w*|предыдущ\w*|просроч\w*|неправильн\w*|неверн\w*|не (?:та|то|эта|этот|эту|тот|ту)"
    r"|друг(?:ая|ую|ой) карт\w*|отмен\w*|забудьте|попередн\w*|прострочен\w*|не (?:ця|цю|цей|те)|інш\w* картк\w*"
    r"|скасу\w*|star\w*|poprzedni\w*|przeterminowan\w*|niewazn\w*|bledn\w*|zl[aey]|nie (?:ta|to|tamta|ten)"
    r"|inn\w* kart\w*|anul\w*|zapomnij\w*)\b"
)


# a correction's words that take back what was said (:data:`CORRECTION` less "wait", "sorry", "ой", "простите": a
# speaker pausing says those too, "sorry, hold on", and the digits tell a card going on from a group said again)
_TAKEN_BACK_WORD = re.compile(
    r"\b(?:no|нет|ні|nie|i mean|то есть|тобто|to znaczy"
    r"|or rather|i meant|вернее|точнее|вірніше|точніше|znaczy|wlasciwie)\b"
)


def takes_back(folded: str, start: int, end: int) -> bool:
    """Whether the words between ``start`` and ``end`` take back what was said before them ("no", "нет", "I mean")."""
    return bool(_TAKEN_BACK_WORD.search(folded, start, end))


def says_apart(folded: str) -> bool:
    """Whether the words between two pieces of digits one speaker said in finals in a row say the pieces are not
    one number: a retraction or a correction's "no" (:data:`RETRACTION`: "that was the old one", "no wait, not
    that", "это старая"), another thing named (an order, a phone, a reference: :data:`OTHER_CUE`), or card data's
    next kind announced (an expiry's or a code's cue). Any other words ("okay", "um, let me see", "так, сейчас",
    "hold on, my glasses") say nothing of the number: whether its pieces are one card is the digits' to say
    (redactor.py: only where, joined, they pass the Luhn check at a length their scheme issues). This rule stands
    in for lists of the words a speaker pauses on (acknowledgements, asides), which grew with each set of cases."""
    if not any(c.isalpha() for c in folded):  # only punctuation (most often): nothing said
        return False
    return bool(_TAKEN_BACK_WORD.search(folded)) or says_other(folded)


def says_other(folded: str) -> bool:
    """Whether the words between two pieces of digits take back what was said or name another thing: what
    :func:`says_apart` says but a correction's bare "no" (which may be about the words between: "my name, no, the
    number goes on")."""
    if RETRACTION.search(folded):
        return True
    return any(cues(kind, folded) for kind in (OTHER, EXPIRY, CVV))


# the last four digits of a card (PCI DSS lets them show), said right before them: "my Visa ends in 5797",
# "the one ending 5797", "заканчивается на 5797"
LAST_FOUR = re.compile(
    r"\b(?:ends?(?: in| with| on)?|ending(?: in| with| on)?|(?:(?:last|final) (?:four|4)(?: digits)?|last digits)"
    r"|заканчива\w* на|закінчу\w* на|konczy sie na|konczac\w* sie na"
    r"|(?:последн\w* (?:четыре|4)|(?:четыре|4) последн\w*)(?: цифр\w*)?|последн\w* цифр\w*"
    r"|(?:останн\w* (?:чотири|4)|(?:чотири|4) останн\w*)(?: цифр\w*)?|останн\w* цифр\w*"
    r"|(?:ostatni\w* (?:cztery|4)|(?:cztery|4) ostatni\w*)(?: cyfry)?|ostatni\w* cyfry)"
    # said again ("the last four again were 9008", "последние четыре ещё раз: 3498"), then a verb naming them
    r"(?:,? (?:again|once more|еще раз|ще раз|jeszcze raz|raz jeszcze))?"
    r"(?: are| is| were| should be| must be| это| це| to| должны быть| мають бути| повинні бути| powinny byc"
    r"| maja byc)?"
    # or what they really are, after a slip ("the last four are actually 7704", "последние четыре на самом деле 2345",
    # "останні чотири насправді 3057", "ostatnie cztery to tak naprawdę 4502")
    r"(?:,? (?:actually|really|in fact|на самом деле|вообще-то|насправді|справді|насправди|tak naprawde|naprawde"
    r"|wlasciwie|w zasadzie|jednak))?[\s:,\-–—]*$"
)

ASK_WORDS = {CARD: 6, EXPIRY: 3, CVV: 3, OTHER: 3}  # a question ends this many words after its cue at most
_ASKED = {CARD: CARD_CUE, EXPIRY: EXPIRY_CUE, CVV: CVV_CUE, OTHER: OTHER_CUE, DOCUMENT: DOCUMENT_CUE}
_TAKEN_BACK = {CARD: NOT_CARD, CVV: NOT_CVV, EXPIRY: NOT_EXPIRY}


def cues(kind: str, folded: str) -> list[tuple[int, int]]:
    """Where ``kind``'s cues are in ``folded``, less those its counter-pattern takes back (and an expiry's cue of
    another thing's validity: :func:`another_validity`); a number that is not card data (:data:`OTHER`) includes the
    cues taken back from card data."""
    return list(_cues(kind, folded))


# a call's last finals are read again with each new one: the same texts, five kinds each (remembered by the
# call being read only: agentassist.privacy.memo)
@remembered("cues")
def _cues(kind: str, folded: str) -> tuple[tuple[int, int], ...]:
    if kind == OTHER:
        taken = [m.span() for p in _TAKEN_BACK.values() for m in p.finditer(folded)]
        named = named_things(folded) + things_numbered(folded)
        return tuple(sorted([m.span() for m in OTHER_CUE.finditer(folded)] + taken + named))
    if kind == DOCUMENT:  # a thing named by its noun is a document's number: Luhn-valid, it is still no card
        return tuple(sorted([m.span() for m in DOCUMENT_CUE.finditer(folded)] + named_things(folded)))
    back = _TAKEN_BACK.get(kind)
    excluded = [m.span() for m in back.finditer(folded)] if back is not None else []
    found = (m.span() for m in _ASKED[kind].finditer(folded) if not any(a <= m.start() < b for a, b in excluded))
    if kind == CVV:
        return tuple(s for s in found if not _another_back(folded, *s))
    return tuple(s for s in found if kind != EXPIRY or not another_validity(folded, *s))


# a card's back named alone as where the code is ("on the back 341", "на обороте", "z tyłu")
_BACK = re.compile(r"(?:on|at) the back|на обороте|сзади|на звороті|ззаду|z tylu|na odwrocie|na rewersie")
_BACK_WORDS_SAID = "number numbers one ones side bit digits pin пин пін"  # what the code there is called (a PIN too)
_BACK_WORDS = frozenset(_BACK_WORDS_SAID.split())
_CLAUSE_MARK = re.compile(r"[\d,.;:!?\-–—]")  # a clause's start: punctuation, or a number said before it


def _another_back(folded: str, start: int, end: int) -> bool:
    """Whether the code's cue at ``start``-``end``, a card's back named alone, is another thing's back: a thing
    named right before it in its clause ("the label on the back says 341", "Наклейка на обороте: 341", "Naklejka z
    tyłu: 341"), in a final that names no card and says no card's group ("the number on the back is 341", "Visa, on
    the back of it", "the secret number on the back, card 4461 ..." are a code's)."""
    if not _BACK.fullmatch(folded, start, end) or cues(CARD, folded) or _GROUP.search(folded):
        return False
    clause = max((m.end() for m in _CLAUSE_MARK.finditer(folded, 0, start)), default=0)
    words = [w for w in TOKEN.findall(folded, clause, start) if w not in _BACK_WORDS]
    return bool(words) and _names_a_thing(words)


# a card-data word said with an expiry's noun ("expiry month and year", "срок действия карты"): no other thing
_EXPIRY_PARTS = re.compile(r"month|year|месяц\w*|год|года|году|місяц\w*|рік|року|miesiac\w*|rok|roku")
# an expiry's noun that names whose it is after it ("срок годности", "termin ważności mleka", "expiry of the permit")
_EXPIRY_NOUN = re.compile(r"(?:expiry|expiration|exp|срок|термін|строк|waznosc|data|date|daty|dacie)(?![^\W\d_])")
# what the card shows and its reader does, said before the expiry's cue: no thing named ("it says valid thru", "на ней
# написано", "let me check, expires")
_READ_OUT_WORDS = (
    "says say reads read shows show printed written see look check let what where how написано пишет указано"
    " смотрю посмотрю вказано пише дивлюся подивлюся napisane pisze widnieje patrze zobacze"
)
_READ_OUT = frozenset(_READ_OUT_WORDS.split())
# "срок действия до конца 29-го", "срок конец 29-го", "строк кінець 29-го": when it ends, no thing
END_WORDS = frozenset({"end", "конца", "конец", "конце", "кінця", "кінець", "кінці", "konca", "koniec", "koncu"})
_ATTACHED_END = re.compile(r"[\d,.;:!?\-–—]")  # where the words attached to an expiry's noun end
# a likening: the words after it name what a number is like, not whose it is ("the same as my house number, 117",
# "как номер квартиры", "як номер мого будинку", "taki sam jak numer domu", "the expiry is like my birthday")
# ... or one said to match it ("the code matches my door number", "совпадает с номером квартиры", "збігається з",
# "pokrywa się z numerem mieszkania")
LIKENING = re.compile(
    r"(?<![^\W\d_])(?:(?:the )?same as|just like|like|similar to|как|як|jak|match(?:es)?|identical to"
    r"|совпада\w* с|збіга\w* з|pokrywa sie z|zgadza sie z)(?![^\W\d_])"
)
# a card's group or its last four said in the sentence before an expiry's cue ("końcówka 2737, ważna do"): its expiry
_GROUP = re.compile(r"\d{4}")


def another_validity(folded: str, start: int, end: int) -> bool:
    """Whether the expiry cue at ``start``-``end`` says how long another thing than a card is valid: the sentence
    names that thing before the cue, as its subject ("the resident parking permit for zone 4 expires", "Разрешение
    на парковку, зона 4, действует до", "Umowa najmu ważna do"), or the cue's noun names it right after itself
    ("срок годности", "термін придатності", "data ważności mleka"); no card, no card data said in the sentence. Any
    noun (a list of things would miss the next one): what decides is that the words name something, not a card."""
    if not _EXPIRY_NOUN.match(folded, start):  # a verb's cue: its subject before it ("the permit expires")
        sentence = max((m.end() for m in SENTENCE_END.finditer(folded, 0, start)), default=0)
        if _GROUP.search(folded, sentence, start):
            return False
        before = [w.removesuffix("'s") for w in TOKEN.findall(folded, sentence, start)]
        subject = [w for w in before if not w.isdigit() and not FILLER.fullmatch(w) and w not in _READ_OUT]
        return bool(subject) and _names_a_thing(subject) and not cues(CARD, folded[sentence:end])
    after = _ATTACHED_END.split(folded[end:], maxsplit=1)[0]  # a noun's: the words attached to it, up to a likening
    after = LIKENING.split(after, maxsplit=1)[0]
    attached = TOKEN.findall(after)
    named = [w for w in attached if not (_EXPIRY_PARTS.fullmatch(w) or w in MONTHS or w in _READ_OUT | END_WORDS)]
    # ... not the date itself said in words, as a number said in words is no name ("срок тридцатый год, март": the
    # year's ordinal)
    if items(" ".join(attached)):
        return False
    return bool(named) and _names_a_thing(named) and not cues(CARD, after)


def asked_for(folded: str) -> frozenset[str]:
    """What ``folded`` ends asking for (or naming): card, expiry, cvv or other, and document where a document's
    number is named ("What's the tracking number?"); the next answer may be it."""
    out = set()
    # card data asked for together ("the expiry and the three digits on the back?", "срок действия и код?"): the
    # words of a later kind's cue, and the "and" before it, are no words past the first kind's question
    later = [span for kind in (CARD, EXPIRY, CVV) for span in cues(kind, folded)]
    for kind, reach in ASK_WORDS.items():
        found = cues(kind, folded)
        if not found:
            continue
        end = found[-1][1]
        words = [
            m
            for m in TOKEN.finditer(folded, end)
            if not any(a <= m.start() < b for a, b in later if a >= end)
            and not (kind != OTHER and _ASKED_TOO.fullmatch(m.group()))
        ]
        if len(words) <= reach:
            out.add(kind)
    if _document_number_asked(folded):
        out.add(DOCUMENT)
    return frozenset(out)


# a number's noun said with a document's ("the tracking number", "номер отслеживания", "numer przesyłki")
_NUMBER_NOUN = re.compile(r"\b(?:numbers?|no|nr|ref|reference|id|номер\w*|numer\w*)\b")
_NOUN_BEFORE_CHARS = 8  # "номера ": the number's noun said before the document's, as Russian says it


def _document_number_asked(folded: str) -> bool:
    """Whether ``folded`` ends naming a document's number ("What's the tracking number?", "Какой номер
    отслеживания?", "Jaki jest numer przesyłki?"): its noun and a number's, a few words at most after them."""
    found = cues(DOCUMENT, folded)
    if not found:
        return False
    start, end = found[-1]
    near = _NUMBER_NOUN.search(folded, max(0, start - _NOUN_BEFORE_CHARS))
    return near is not None and len(TOKEN.findall(folded, end)) <= ASK_WORDS[OTHER]


# the words joining card data asked for together ("and the", "и", "a także"): none of them a question's own
_ASKED_TOO = re.compile(r"and|the|its|и|і|та|а|й|i|a|oraz|jej|ее|її")


def code_cues_named(folded: str) -> list[tuple[int, int]]:
    """A security code's cues that name it (not a bare "code", "код", "kod": a door's or a tariff's may be)."""
    return [(a, b) for a, b in cues(CVV, folded) if not _BARE_CODE.fullmatch(folded, a, b)]


# a number named as another thing by its head noun, in any wording: "the prescription number is", "my parking permit
# number", "номер начисления", "номер моего парковочного разрешения", "numer mandatu", "номер платежу"; what
# the number is named decides, whatever the noun (a list of nouns would miss the next one), unless a card or its data
# is named in the words: "the card number", "номер карты", "numer mojej karty", "CVV number"
# English names the thing before "number" ("permit number"), Russian, Ukrainian and Polish after it ("номер
# разрешения", "numer mandatu"); a word before "номер" is no name ("podać numer karty", "ветер, номер 2221 ...")
_NAMED_BEFORE = re.compile(r"\b([^\W\d_]{3,})(?:'s|')? number\b")
_NAMED_AFTER = re.compile(
    r"\b(?:номер|номера|номеру|номером|numer|numeru|numerem|nr)((?: [^\W\d_]+(?:-[^\W\d_]+)*){1,6})(?= +(?:\d|$))"
)
# a preposition between "номер" and the name ("номер для отслеживания", "numer dla ..."): no name itself
_PREPOSITIONS_WORDS = "для от из по в во на с со у к за dla od z ze do po w we na u za з із від до"
_PREPOSITIONS = frozenset(_PREPOSITIONS_WORDS.split())
# a head noun whose number has a rule of its own or may be a card's: an account's, a phone's, a bank's
_OWN_RULES = re.compile(
    r"(?:account|acct|phone|mobile|cell|telephone|fax|extension|bank|сч[её]т|рахун|konto|konta|kontem|rachun"
    r"|телефон|мобильн|мобільн|telefon|komork|банк|сбер|приват|privat|моно|mono|тиньк|tinkoff|revolut)"
)
# ... and a purpose after a preposition: what the number is for, paying, sending or a refund ("номер для оплаты
# 4276 ...", "numer do przelewu"), is a card's; a payment's own number ("номер платежу") is a thing's
_PURPOSE = re.compile(
    r"(?:payment|paying|pay|transfer|refund|оплат|платеж|платіж|сплат|oplat|platnos|wplat|перевод|переказ|przelew"
    r"|списан|возврат|поверн|zwrot|зачислен|зарахуван)"
)
# the number's length said ("numer ma dziewiętnaście cyfr", "номер из шестнадцати цифр"): no name
_DIGITS_WORD = re.compile(r"\b(?:digits?|цифр\w*|cyfr\w*)\b")
# a gift's number ("a gift voucher, number ...", "подарочный сертификат, номер ...", "bon podarunkowy, numer ..."):
# a shop's own, often with a Luhn check digit; what is a gift is no payment card (a gift card neither)
_GIFT = re.compile(
    r"\b(?:gift|подарочн\w*|подарунков\w*|podarunkow\w*)(?: [^\W\d_]+)?\b"
    # ... or a voucher, a certificate, a coupon by name: a shop's own number, whatever the shop ("a spa voucher,
    # number ...", "сертификат в спа, номер ...", "voucher do spa, numer ...")
    r"|\b(?:vouchers?|vouchera|voucherem|certificate|coupon|сертификат\w*|сертифікат\w*|купон\w*|certyfikat\w*"
    r"|kupon\w*|bon|bonu|bonem)\b"
)
# the name runs on into the number with nothing between ("номер начисления 5123 ..."): words set off by a comma or a
# colon say something else before it ("Номер сейчас скажу, 4155 ...", "Numer mam tutaj: 4155 ...")
# words that name nothing: a determiner, a possessive, a filler, a word of the number's length or place, a verb
# of reading it out ("let me read the number", "номер продиктую", "numer podam")
_NAMES_NOTHING_WORDS = (
    "the a an my your our his her their its this that same whole full entire right correct new old other first second"
    " last next digit digits long sixteen fifteen which what whose any one here there yes yeah okay ok so well and or"
    " but then now just it is was read give say tell repeat spell check got have has the ready sorry also"
    " мой моя моего моей мои твой твоего твоей ваш вашей вашего наш нашей нашего его её ее их у меня мне это вот"
    " такой такая так пожалуйста там тут же ну и а весь полностью целиком сам тот этот да скажу назову продиктую"
    " диктую повторю записывайте пишите такий така мій моєї мого моя твій твого ваш вашої вашого наш у мене це ось"
    " будь ласка так ну і а та весь повністю цілком цей той назву продиктую диктую повторю записуйте пишіть"
    " moj moja mojej mojego twoj twojej twojego pana pani panski panskiej to jest tak wiec prosze caly cala calosci no"
    " a i ten ta tej tego taki taka podam powiem podyktuje powtorze zapisuje prosze tutaj oto"
    # what is said of the number itself, not whose it is: its length, that it goes on ("номер длинный", "numer jest
    # długi", "номер дальше", "numer idzie dalej", "numer ma dziewiętnaście cyfr")
    " длинный длинная короткий полный следующий дальше потом затем будет идет звучит такой"
    " довгий довга короткий повний наступний далі потім буде йде іде звучить"
    " dlugi dluga krotki pelny nastepny dalej potem bedzie idzie brzmi ma maja"
    " значит слушайте смотрите значить слухайте дивіться znaczy sluchaj sluchajcie patrz"
    " пишу скажу читаю зачитаю диктую назову кажу пишу читаю зачитаю pisze czytam dyktuje powiem podam"
    # where on the card the number is printed, not whose it is: its face or side ("номер на лицевой стороне", "номер
    # на лицьовому боці", "numer z przodu", "номер на обороте")
    " лицевой лицевая лицевую стороне стороны сторона обороте спереди сзади"
    " лицьовому лицьовій лицьовий боці боку стороні звороті спереду ззаду"
    " przodu przodzie przedzie tylu odwrocie stronie"
)
_NAMES_NOTHING = frozenset(_NAMES_NOTHING_WORDS.split())


def says_nothing(words: list[str]) -> bool:
    """Whether ``words`` name nothing (:data:`_NAMES_NOTHING`; "it's" as "it"; fillers): what a customer may say
    before card data asked for ("yes, it's ...", "так, это ...") but not before another thing's number."""
    return all(w.removesuffix("'s") in _NAMES_NOTHING or FILLER.fullmatch(w) for w in words)


def _names_a_thing(words: list[str], named: str = "") -> bool:
    """Whether ``words`` (said with "number" right before or after them: ``named``, the words with their noun) name
    a thing other than a card or its data: a word of content among them and none a card's, an expiry's or a code's
    cue (the noun with them: "numer zabezpieczający", "verification number" name a code)."""
    text = named or " ".join(words)
    # a card's data, or a thing another cue names already ("account number", "phone number": their own rules)
    # (a card noun another thing's modifier makes that thing's card names it: "номер членской карты клуба")
    if cues(CARD, text) or any(p.search(text) for p in (CVV_CUE, EXPIRY_CUE, DATE_CUE, LAST_FOUR, _DIGITS_WORD)):
        return False
    # a reflexive verb ("номер продолжается", "номер продовжується", "numer się kończy") says what the number does,
    # not whose it is; nor does an imperative ("номер запишите", "номер записуйте", "numer zapiszcie")
    if any(w.endswith(("ся", "сь", "те", "cie")) or w == "sie" for w in words):
        return False
    # the head noun decides, the first word of content ("номер для отслеживания ремонта ноутбука": a tracking
    # number, whatever it tracks; "numer zlecenia naprawy telefonu": an order's, not a phone's): a claim, an order,
    # a membership, a voucher are named so; an account, a phone, a payment keep their own rules
    # (a number said in words is no name: "номер пятьдесят четыре 97 ..." is a card's first digits)
    content = [n for n, w in enumerate(words) if w not in _NAMES_NOTHING and w not in _PREPOSITIONS and len(w) >= 3]
    at = content[0] if content else -1
    if at < 0 or _OWN_RULES.match(words[at]) or any(is_number_word(w) for w in words):
        return False
    return not (_PURPOSE.match(words[at]) and any(w in _PREPOSITIONS for w in words[:at]))


SENTENCE_END = re.compile(r"[.;!?](?:\s|$)")  # not a decimal point ("64.90")

# a bare "number" said right before the digits, a thing named before it in the same clause ("a penalty notice from the
# marina, number 4407 ...", "постановление о штрафе, номер 4126 ...", "mandat, numer 4960 ..."): that thing's number
_NUMBER_AFTER_THING = re.compile(
    r"((?:[^\W\d_]+(?:'[^\W\d_]+)? ){0,4}[^\W\d_]+(?:'[^\W\d_]+)?),? (?:number|no|номер|numer|nr)(?:\.|:)?(?= +\d)"
)


def things_numbered(folded: str) -> list[tuple[int, int]]:
    """Where a thing is named in the words just before a bare "number" that the digits follow, set apart by a comma
    or not ("a penalty notice from the marina, number 4407 ...", "постановление о штрафе, номер ..."): the spans of the
    naming words and "number". A cue of another number (:data:`OTHER_CUE`) only: a card's number (Luhn-valid at a
    length a scheme issues) said so stays a card's, whatever was named before it."""
    out = []
    for m in _NUMBER_AFTER_THING.finditer(folded):
        words = m.group(1).split()
        # the clause's own words only ("..., so here goes, number ..." names nothing); not where a card is named before
        # in the sentence ("Это корпоративная карта, на ней написано ООО Северный ветер, номер 2221 ...": the card's)
        sentence = max((e.end() for e in SENTENCE_END.finditer(folded, 0, m.start())), default=0)
        carded = bool(cues(CARD, folded[sentence : m.start()]))
        if words and not carded and _names_a_thing(words) and sum(w not in _NAMES_NOTHING for w in words) >= 2:
            out.append(m.span())
    return out


def named_things(folded: str) -> list[tuple[int, int]]:
    """Where a number is named as another thing than a card by a noun before "number" ("permit number") or after
    "номер" / "numer" ("номер разрешения", "numer mandatu"): the spans of the naming words and "number"."""
    out = []
    for m in _NAMED_BEFORE.finditer(folded):  # "request number" is another cue's whole ("request" alone is not)
        if _names_a_thing([m.group(1)], m.group(0)) and not OTHER_CUE.fullmatch(m.group(0)):
            out.append(m.span())
    for m in _NAMED_AFTER.finditer(folded):
        if _names_a_thing(m.group(1).split(), m.group(0)):
            out.append(m.span())
    out += [m.span() for m in _GIFT.finditer(folded)]
    return sorted(out)
