"""Article BODY texts of the five bundled sample dumps, keyed by file name.

Copied from samples/landing/ with the debris removed (titles, captions, photo credits, reader
comments, "Read the rest here"/"[Continue reading…]"/"Related Stories" furniture, the "BA/BA"
credit and the var_dump JSON), paragraphs joined by a blank line as the cleaning stage does.
Everything else is left as published, stray quote marks and non-breaking spaces included.
Test data only: pipeline code never names any of it.
"""
from __future__ import annotations

BODIES: dict[str, str] = {
    "000_5a453cdda17c36e7.txt": "\n\n".join([
        "A US news portal is reporting that US officials have been\u00a0holding secret back-channel talks with Hamas over the last six months to discuss their role in the newly formed unity government. According to a Buzzfeed report:",
        "June 4, 2014 Jerusalem — United States officials have been holding secret back-channel talks with Hamas over the last six months to discuss their role in the newly formed unity government, according to two senior diplomatic sources with direct knowledge of the talks.",
        "The meetings were held between U.S. intermediaries and Hamas’ leadership, which lives outside the Gaza Strip in third-party countries ranging from Egypt to Qatar and Jordan. Topics included the ceasefire agreement with Israel and the recently formed unity government between Hamas and Fatah.",
        "During the talks, Hamas gave assurances that allowed the U.S. to support the unity government, despite heavy pressure by the Israeli government for them to condemn it, the diplomatic officials — one American and one Palestinian — said. They said those assurances including a commitment to maintaining a ceasefire with Israel. ‘",
        "Our administration needed to hear from them that this unity government would move toward democratic elections, and toward a more peaceful resolution with the entire region,’ said one U.S. official familiar with the talks. He spoke on condition of anonymity, as the U.S, government’s official stance is that it has not, and will not, talk to Hamas until certain preconditions are met.",
        "The GMBDW reported last month the the\u00a0Egyptian Muslim Brotherhood had issued a statement backing the moves\u00a0by Hamas and Fatah toward reconciliation.",
        "The\u00a0Hamas\u00a0charter\u00a0says that it is “one of the wings of the Muslim Brothers in Palestine” and soon after Hamas took over the Gaza strip, Muslim Brotherhood representatives\u00a0traveled\u00a0to Gaza from Egypt through the newly opened border to review\u00a0Hamas military formations. \u00a0A Hamas journalist has\u00a0acknowledged\u00a0the role that the “international Muslim Brotherhood” has played in providing funds for the purchase of weapons and Hamas is known to be\u00a0supported\u00a0financially and politically by the global Muslim Brotherhood. A\u00a0Muslim Brotherhood spokesman\u00a0revealed\u00a0that a\u00a0coalition of London-based Muslim groups, including the Muslim Brotherhood, were behind the mass demonstrations staged to protest Israeli actions in the 2008 Gaza war and the\u00a0Global Muslim Brotherhood\u00a0and\u00a0its\u00a0Turkish\u00a0affiliates\u00a0were also intimately\u00a0involved, along with the\u00a0Turkish\u00a0government, in the June 2010 Gaza flotilla that was involved in a violent altercation with Israeli naval forces.\u00a0Following a period of seeming ascension related to the period of Egyptian rule by the\u00a0Muslim Brotherhood, the organization was forced to scramble to try and find other state sponsors after Mohamed Morsi was deposed as President.\u00a0In September 2013, it appeared that\u00a0Hamas had succeeded in re-establishing close\u00a0ties\u00a0with Iran. In January 2013, Israeli intelligence sources\u00a0claimed\u00a0that Turkey has replaced Iran as the\u00a0chief source of Hamas financing.",
    ]),
    "001_876ff53b270cd303.txt": "\n\n".join([
        "Sheera Frenkel reports: United States officials have been holding secret back-channel talks with Hamas over the last six months to discuss their role in the newly formed unity government, according to two senior diplomatic sources with direct knowledge of the talks.",
        "The meetings were held between U.S. intermediaries and Hamas’ leadership, which lives outside the Gaza Strip in third-party countries ranging from Egypt to Qatar and Jordan. Topics included the ceasefire agreement with Israel and the recently formed unity government between Hamas and Fatah.",
        "During the talks, Hamas gave assurances that allowed the U.S. to support the unity government, despite heavy pressure by the Israeli government for them to condemn it, the diplomatic officials — one American and one Palestinian — said. They said those assurances including a commitment to maintaining a ceasefire with Israel.",
        "“Our administration needed to hear from them that this unity government would move toward democratic elections, and toward a more peaceful resolution with the entire region,” said one U.S. official familiar with the talks. He spoke on condition of anonymity, as the U.S, government’s official stance is that it has not, and will not, talk to Hamas until certain preconditions are met. “It was important to have that line of communication,” the U.S. official said.",
        "BBC News reports: US Secretary of State John Kerry has rejected Israeli criticism of his recognition of the new Palestinian government formed by Fatah and Hamas.",
        "Israel’s Prime Minister Benjamin Netanyahu said on Tuesday that he was “deeply troubled” by the decision.",
        "But during a visit to Lebanon, Mr Kerry noted the ministers were independent technocrats and insisted that they would be watched “very closely”.",
    ]),
    "002_07b8c526e59b7ca9.txt": "\n\n".join([
        "The news website BuzzFeed reports that the United States held secret talks with Hamas for the past six months to discuss maintenance of the Palestinian resistance movement’s cease-fire with Israel and the formation of the recently announced Palestinian unity government.",
        "\"Our administration needed to hear from them that this unity government would move toward democratic elections, and toward a more peaceful resolution with the entire region,” noted the report, quoting a US official. \"It was important to have that line of communication.\"",
        "The State Department denies that Washington has broken its self-imposed boycott of talks with Hamas.",
        "“These assertions are completely untrue,” spokeswoman Marie Harf told BuzzFeed. \"There is no such back channel. Our position on Hamas has not changed.”",
        "Well-informed sources in the region are skeptical that currently serving US officials have met with official Hamas representatives.",
        "“I doubt it,” explained one top-level security official in Cairo. “This is my personal assessment. Perhaps through the Carter Center, yes, but a direct dialogue, this could not be.”",
        "The United States has never lacked for access to authoritative information about Hamas. Over the last decade, a parade of American interlocutors, including the author, have sought to keep US officials — some more interested than others — appraised of Hamas’ take on events. Secretary of State Hillary Clinton herself played a leading role in discussions that resulted in a cease-fire agreement between Israel and Hamas after Israeli war on the Gaza Strip, announcing, along with then-Egyptian Foreign Minister Mohamed Kamel Amr, the truce between Israel and Hamas in Cairo on Nov. 21, 2012.",
        "Washington’s cautious endorsement earlier this week of the joint effort by Hamas and Fatah to form a government to administer parts of the West Bank and Gaza Strip offers the best evidence that Hamas’ ostracism is ending.",
        "Endorsements of the new Palestinian government came from around the world, with Russia, China, India, Turkey, France and the United Kingdom expressing their support. The European Union and the United Nations added their approval for good measure.",
        "The reason for the international embrace of Palestinian reconciliation, in contrast to previous stillborn efforts, is the absence of a US-supported diplomatic alternative. Today, there is no prospect of what US officials used to call a “political horizon” to focus hope for a peace deal. Therefore its corollary — opposition to a deal between Fatah and Hamas — has become passé. The Palestinian effort now commands international attention and support. With or without the United States, this train had already left the station.",
    ]),
    "003_6b27b2eb3a08ac65.txt": "\n\n".join([
        "Mere hours after the formation of a Palestinian unity government, the United States announced that – despite stern Israeli opposition the move – it would not boycott the new Hamas-backed government.",
        "The reason for that announcement may have been revealed; senior diplomatic sources told NY-based news website BuzzFeed that the US has held secret talks with Hamas for the past six months.",
        "The American administration denied the allegations as unfounded.",
        "According to the aforementioned sources, the meetings between American mediators and Hamas leadership were conducted outside the Gaza Strip – in Egypt, Qatar, and Jordan. The topics of the negotiations included the ceasefire agreement with Israel and the formation of a Palestinian unity government, reported BuzzFeed.",
        "The report claimed that Hamas gave assurances to the US which allowed it to support the unity government despite the firm opposition from Israel. According to the diplomatic sources – one Palestinian and one American – the assurances included a commitment to maintain the de-facto ceasefire with Israel which has been in place since Operation Pillar of Defense.",
        "“Our administration needed to hear from them that this unity government would move toward democratic elections, and toward a more peaceful resolution with the entire region,” said the US official. \"It was important to have that line of communication.\"",
        "The State Department denied the backchannel talks. These assertions are completely untrue,” Spokeswoman Marie Harf told BuzzFeed. \"There is no such back channel. Our position on Hamas has not changed.”",
        "The Americans have denied the existence of a secret line to Hamas in the past; in 2012, then-spokeswoman Victoria Nuland claimed that reports of such a back channel were \"bizarre.\"",
        "From time to time Israel also makes use of mediators, usually Egypt, in order to talk to Hamas – as happened at the end of Operation Pillar of Defense and after other military operations.",
        "'Aid to PA will continue'",
        "A US source told Ynet that the American administration intends to continue providing the Palestinian Authority with financial aid. He said such a step should be coordinated with Congress, but that the meaning of the recognition of the new government was merely to continue transferring funds to the PA.",
        "The source said recognition of the new government would require work, but that because of Hamas' inclusion the US will continue to closely monitor the government's conduct.",
        "Meanwhile, the right-wing in America criticized President Barack Obama and his administration for recognizing the Palestinian unity government against Israel's wishes. US representatives and senators examined the possibility of halting the American aid to the PA.",
        "US law determines that the government cannot offer financial aid to bodies that are in contact with terrorist organizations; the US has designated Hamas as a terrorist organization.",
    ]),
    "004_69145af5bc353dce.txt": "\n\n".join([
        "JERUSALEM – The White House did not reject an Egyptian plan for the U.S. to open public dialogue with Hamas at the start of a second Obama term, an Egyptian security official told WND.",
        "The State Department did not immediately return a request for comment on the claim.",
        "Yesterday, WND broke the story that the Egyptian government is leading diplomacy with the U.S. and European Union aimed at opening official direct Western talks with Hamas, according to informed Middle Eastern security officials.",
        "The officials said Muslim Brotherhood-dominated Egypt is pushing for the continued flow of international aid in the event of a future Hamas-led Palestinian government. Hamas, an offshoot of the Muslim Brotherhood, is expected to do well in any upcoming Palestinian elections.",
        "There is also a drive by Egypt, Turkey and Qatar to wean Hamas entirely off of Iranian money to help rid the Gaza Strip of Shiite Islamic influence, the officials said.",
        "Hamas believes distancing itself more from Iran could prompt a crisis with the Iranian-backed Islamic Jihad group in Gaza, added the officials.",
        "Islamic Jihad and Hamas are quietly discussing creating a united political front following future elections, the officials said. However, Islamic Jihad set as a precondition for joining any Hamas coalition that such a future government cannot recognize the existence of Israel.",
        "Regarding U.S. dialogue with Hamas, the State Department has several times iterated a set of preconditions: Hamas first must recognize Israel, renounce violence and abide by previous Israeli-Palestinian agreements.",
        "Hamas has several times claimed it talked with U.S. surrogates about eventually establishing open relations.",
        "Sources within Hamas previously disclosed to WND a June 2009 meeting with former U.S. diplomat Thomas Pickering. The sources claimed the meeting was about opening future talks with the West.",
        "The gathering allegedly took place in Geneva with two Hamas leaders, Bassem Naim and Mahmoud al-Zahar. Naim is Hamas’ health minister, while al-Zahar is one of the main Hamas leaders in Gaza.",
        "Pickering’s meeting with Hamas in 2009 served as an “important step” to open eventual dialogue between the Islamic group and the Obama administration, Hamas’ chief political adviser in Gaza, Ahmed Yousef, told WND that year.",
        "At the time, the State Department told the Jerusalem Post the meeting between Pickering and Hamas was not sanctioned by the White House.",
        "State Department spokesman Ian Kelly stressed Pickering acted as a private citizen. Kelly said he was unaware of any prior U.S. governmental coordination with the former diplomat about the meeting with Hamas.",
        "Pickering is currently President Obama’s lead investigator on the Benghazi attacks.",
        "Also in February 2009, there were reports Sen. John Kerry, D-Mass., now a favorite for secretary of state, accepted a letter for President Obama from Hamas leaders in Gaza. Kerry had visited Gaza to tour United Nations camps there.",
        "U.N. relief agency chief Karen Abu Zayd told the BBC the letter had been received by his agency and passed on to an unnamed American official.",
    ]),
}

# The four dumps that repeat the secret-talks report, and the older, different story.
SECRET_TALKS = ("000_5a453cdda17c36e7.txt", "001_876ff53b270cd303.txt",
                "002_07b8c526e59b7ca9.txt", "003_6b27b2eb3a08ac65.txt")
OLDER_STORY = "004_69145af5bc353dce.txt"
# The two dumps that carry the State Department's denial.
CARRY_DENIAL = ("002_07b8c526e59b7ca9.txt", "003_6b27b2eb3a08ac65.txt")
