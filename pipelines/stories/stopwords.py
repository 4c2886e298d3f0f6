"""English function words that say nothing about which event an article reports.

Pronouns, determiners, auxiliaries, prepositions, conjunctions, common adverbs,
quantifiers and number words, written out here (lower case) so that the clusterer needs
no NLP library.
News-specific fillers ("said", "told", weekdays) are added in
:mod:`pipelines.stories.features`.
"""

from __future__ import annotations

_PRONOUNS = """
i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his
himself she her hers herself it its itself they them their theirs themselves one oneself
who whom whose which what whatever whoever whichever this that these those
somebody someone something anybody anyone anything everybody everyone everything nobody
none nothing noone
"""

_DETERMINERS_AND_QUANTIFIERS = """
a an the some any no every each either neither both all several many much more most few
fewer less least other others another such own same enough
"""

_AUXILIARIES = """
be am is are was were been being have has had having do does did doing done will would
shall should can could may might must ought cannot cant dont doesnt didnt isnt arent wasnt
werent wont wouldnt shouldnt couldnt hasnt havent hadnt
"""

_PREPOSITIONS = """
about above across after against along amid amidst among amongst around as at before behind
below beneath beside besides between beyond by despite down during except for from in inside
into like near of off on onto out outside over past per since than through throughout till to
toward towards under underneath unlike until up upon via with within without
"""

_CONJUNCTIONS_AND_ADVERBS = """
and but or nor so yet if then else because while whereas although though unless whether
when whenever where wherever whereby wherein why how however therefore thus hence
also again already always almost anyway anywhere elsewhere ever everywhere here there
nowhere somewhere often once only quite rather really seldom sometimes soon still too very
well just even perhaps maybe not yes indeed instead meanwhile moreover nevertheless
otherwise afterwards beforehand thereafter thereby therein thereupon hereby herein
formerly latterly namely whence whither now ago later
"""

_NUMBER_WORDS = """
zero one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty
forty fifty sixty hundred thousand third
"""

_ABBREVIATIONS_AND_FILLERS = """
eg ie etc inc ltd co de un re thru together whole never further mostly somehow sometime
alone due former latter hereafter hereupon thence whereafter whereupon anyhow
"""

_OTHER_FUNCTION_WORDS = """
get gets got getting go goes went gone make makes made put see seem seems seemed seeming
become becomes became becoming keep take give find show call back first last next
"""

ENGLISH_STOP_WORDS: frozenset[str] = frozenset(
    " ".join(
        (
            _PRONOUNS,
            _DETERMINERS_AND_QUANTIFIERS,
            _AUXILIARIES,
            _PREPOSITIONS,
            _CONJUNCTIONS_AND_ADVERBS,
            _NUMBER_WORDS,
            _ABBREVIATIONS_AND_FILLERS,
            _OTHER_FUNCTION_WORDS,
        )
    ).split()
)
