"""A labelled set for judging memory search: short memories on 28 topics, several close to each
other per topic, and queries that paraphrase what they ask (sharing few words with the memory
that answers them), each with the ids of the memories that answer it. Written by hand; fixed.

``recall_at_k`` scores a ranking of memory ids per query against the labels.
"""

from __future__ import annotations

from collections.abc import Sequence

MEMORIES: list[tuple[str, str]] = [
    # cooking
    ("cook-01", "The sourdough starter lives in the fridge and gets fed flour and water every "
                "Sunday."),
    ("cook-02", "For risotto, toast the arborio rice in butter before adding warm stock one "
                "ladle at a time."),
    ("cook-03", "Maria is allergic to peanuts, so the pad thai for her birthday dinner must use "
                "cashews instead."),
    ("cook-04", "The cast-iron skillet should be dried on the stove and wiped with a thin film "
                "of oil after washing."),
    ("cook-05", "Brining the turkey overnight in salted water kept it juicy at Thanksgiving."),
    ("cook-06", "The bread machine's rapid cycle makes a dense loaf; the basic cycle takes three "
                "hours but rises better."),
    ("cook-07", "Homemade pesto turns brown quickly unless the basil is blanched for a few "
                "seconds first."),
    ("cook-08", "Kimchi ferments faster on the counter; move the jar to the refrigerator after "
                "two days."),
    ("cook-09", "Caramel burns suddenly once it turns amber, so take the pan off the heat right "
                "away."),
    # programming
    ("code-01", "The payments service is written in Go and its unit tests run with go test."),
    ("code-02", "Python's mutable default arguments are shared between calls, which caused the "
                "duplicated cart items bug."),
    ("code-03", "We squash commits before merging pull requests into the main branch."),
    ("code-04", "The frontend uses React with TypeScript, and state is kept in a Redux store."),
    ("code-05", "A race condition in the job queue was fixed by taking a row lock with SELECT "
                "FOR UPDATE."),
    ("code-06", "Memory leaks in the Node.js worker came from event listeners that were never "
                "removed."),
    ("code-07", "Rust's borrow checker rejected the cache because two mutable references to the "
                "map existed at once."),
    ("code-08", "Our API returns dates as ISO 8601 strings in UTC."),
    ("code-09", "Regular expressions with nested quantifiers can backtrack catastrophically on "
                "long input."),
    # travel
    ("travel-01", "Our flight to Lisbon leaves on 14 June at 7:40 from Terminal 2."),
    ("travel-02", "The passport expires in March next year, so it must be renewed before the "
                  "Japan trip."),
    ("travel-03", "In Tokyo, the hotel is in Shinjuku, a five-minute walk from the station's "
                  "south exit."),
    ("travel-04", "Travel insurance covers trip cancellation but not lost luggage under 200 "
                  "euros."),
    ("travel-05", "The rental car in Iceland needs gravel protection for the highland roads."),
    ("travel-06", "Night trains from Vienna to Venice have sleeper cabins with four bunks."),
    ("travel-07", "Aisle seats are preferred on long-haul flights to get up and stretch often."),
    ("travel-08", "A Schengen visa is not needed for a stay under ninety days with a US "
                  "passport."),
    ("travel-09", "Tipping is not customary in Japanese restaurants and can even be seen as "
                  "rude."),
    # finance
    ("fin-01", "The mortgage rate is fixed at 3.2 percent until 2029, then it becomes "
               "variable."),
    ("fin-02", "Monthly rent of 1,450 dollars is paid by standing order on the first of the "
               "month."),
    ("fin-03", "The emergency fund holds six months of expenses in a high-yield savings "
               "account."),
    ("fin-04", "Index funds in the retirement account are rebalanced once a year in January."),
    ("fin-05", "Capital gains from selling shares held under a year are taxed as ordinary "
               "income."),
    ("fin-06", "The credit card's annual fee is waived if spending exceeds 10,000 dollars a "
               "year."),
    ("fin-07", "Receipts for home office expenses go in the blue folder for the accountant."),
    ("fin-08", "The car loan will be paid off in eighteen months at the current payment."),
    ("fin-09", "Dividends are reinvested automatically in the brokerage account."),
    # health
    ("health-01", "Blood pressure was 128 over 82 at the last checkup, slightly above the "
                  "target."),
    ("health-02", "Take the ibuprofen with food to avoid stomach upset, no more than three "
                  "times a day."),
    ("health-03", "The dentist appointment for a cleaning is on the 3rd of October at 9 am."),
    ("health-04", "Allergic to penicillin: it caused hives as a child."),
    ("health-05", "Seasonal hay fever starts in May, when the grass pollen count rises."),
    ("health-06", "The physiotherapist recommended knee strengthening exercises after the "
                  "meniscus tear."),
    ("health-07", "Cholesterol came back high, so the doctor suggested cutting saturated fat "
                  "and retesting in six months."),
    ("health-08", "Sleep improves when screens are turned off an hour before bed."),
    ("health-09", "The flu shot is due every autumn at the pharmacy around the corner."),
    # sports
    ("sport-01", "The football club trains on Tuesday and Thursday evenings at the municipal "
                 "pitch."),
    ("sport-02", "Tennis elbow flared up after switching to a stiffer racket."),
    ("sport-03", "The marathon in Berlin is on the last Sunday of September; the target time is "
                 "under four hours."),
    ("sport-04", "Our basketball team lost the semifinal by two points after a missed free "
                 "throw."),
    ("sport-05", "Swimming lessons for the kids are on Saturday mornings at the indoor pool."),
    ("sport-06", "The cycling club's Sunday ride covers 80 kilometres with a coffee stop "
                 "halfway."),
    ("sport-07", "Ski passes for the Alps are cheaper when bought online a week in advance."),
    ("sport-08", "The golf handicap dropped from 18 to 15 this season."),
    ("sport-09", "The climbing gym membership includes free shoe rental on weekdays."),
    # music
    ("music-01", "Piano lessons are on Wednesdays with Mrs. Okafor; currently practising a "
                 "Chopin nocturne."),
    ("music-02", "The guitar needs new strings; light gauge 10-46 nickel strings are the usual "
                 "choice."),
    ("music-03", "Tickets for the Radiohead concert go on sale Friday at 10 am."),
    ("music-04", "The choir rehearses Handel's Messiah for the December performance."),
    ("music-05", "The record player's needle should be replaced after about 1,000 hours of "
                 "play."),
    ("music-06", "A metronome at 60 beats per minute helps with slow scale practice."),
    ("music-07", "The band's drummer left, so we are auditioning new percussionists next "
                 "month."),
    ("music-08", "The violin was bought second-hand and needs its bridge adjusted by a "
                 "luthier."),
    ("music-09", "Jazz standards in the fake book are mostly written in B-flat or F."),
    # history
    ("hist-01", "The Berlin Wall fell on 9 November 1989, opening the border between East and "
                "West Germany."),
    ("hist-02", "The Magna Carta was sealed by King John in 1215 at Runnymede."),
    ("hist-03", "The Roman Empire in the west ended in 476 when Odoacer deposed Romulus "
                "Augustulus."),
    ("hist-04", "The French Revolution began with the storming of the Bastille in July 1789."),
    ("hist-05", "Gutenberg's printing press spread across Europe in the fifteenth century."),
    ("hist-06", "The Battle of Hastings in 1066 brought Norman rule to England."),
    ("hist-07", "The American Declaration of Independence was adopted on 4 July 1776."),
    ("hist-08", "The Ottoman conquest of Constantinople in 1453 ended the Byzantine Empire."),
    ("hist-09", "The Apollo 11 crew landed on the Moon in July 1969."),
    # science
    ("sci-01", "Water boils at a lower temperature at high altitude because the air pressure "
               "is lower."),
    ("sci-02", "Photosynthesis converts carbon dioxide and water into glucose using sunlight."),
    ("sci-03", "DNA is a double helix of two strands held together by base pairs."),
    ("sci-04", "The speed of light in a vacuum is about 300,000 kilometres per second."),
    ("sci-05", "Mitochondria produce most of the cell's energy in the form of ATP."),
    ("sci-06", "Newton's third law says every action has an equal and opposite reaction."),
    ("sci-07", "Antibiotics do not work against viruses, only against bacteria."),
    ("sci-08", "An atom's nucleus holds protons and neutrons, with electrons around it."),
    ("sci-09", "Plate tectonics explains earthquakes along the boundaries where crustal plates "
               "meet."),
    # gardening
    ("garden-01", "Tomatoes in the greenhouse need watering every morning once they start to "
                  "fruit."),
    ("garden-02", "The roses get pruned back hard in late February, just above an "
                  "outward-facing bud."),
    ("garden-03", "Slugs ate the lettuce seedlings; copper tape around the raised bed keeps "
                  "them out."),
    ("garden-04", "The lawn is mowed every Saturday and fed with fertiliser in April and "
                  "September."),
    ("garden-05", "Garlic cloves are planted in October and harvested the following July."),
    ("garden-06", "The compost heap needs turning every two weeks and more brown material like "
                  "cardboard."),
    ("garden-07", "Hydrangea flowers turn blue in acidic soil and pink in alkaline soil."),
    ("garden-08", "The apple tree is never sprayed; codling moth traps hang in it from May."),
    ("garden-09", "Basil on the windowsill bolts if it is not pinched back regularly."),
    # cars
    ("car-01", "The car's next oil change is due at 45,000 kilometres or in March, whichever "
               "comes first."),
    ("car-02", "Winter tyres go on in November and come off at Easter."),
    ("car-03", "The check engine light came on; the garage found a faulty oxygen sensor."),
    ("car-04", "The electric car charges to 80 percent in 35 minutes at a fast charger."),
    ("car-05", "The car insurance renews on 1 August and includes roadside assistance."),
    ("car-06", "The battery of the old hatchback died twice in cold weather and should be "
               "replaced."),
    ("car-07", "The brake pads squeal when cold; the mechanic says they have 30 percent left."),
    ("car-08", "The vehicle inspection certificate expires in May next year."),
    ("car-09", "Parking at the office costs 12 dollars a day unless we carpool."),
    # pets
    ("pet-01", "The dog, Biscuit, gets one cup of kibble in the morning and one in the "
               "evening."),
    ("pet-02", "The cat's rabies vaccine is due in April at the vet on Elm Street."),
    ("pet-03", "Biscuit is scared of fireworks and hides under the bed on New Year's Eve."),
    ("pet-04", "The aquarium's water is changed by a quarter every week to keep nitrates low."),
    ("pet-05", "Chocolate and grapes are toxic to dogs and must be kept out of reach."),
    ("pet-06", "The cat scratches the sofa, so a sisal scratching post was put next to it."),
    ("pet-07", "The hamster's cage is cleaned on Sundays and its wheel oiled monthly."),
    ("pet-08", "The dog walker comes at noon on weekdays and charges 20 dollars a walk."),
    ("pet-09", "The parrot copies the doorbell's sound and needs new toys to stay busy."),
    # law
    ("law-01", "The apartment lease requires two months' written notice before moving out."),
    ("law-02", "The will names the sister as executor and was signed in front of two "
               "witnesses."),
    ("law-03", "A small claims court handles disputes under 5,000 dollars without lawyers."),
    ("law-04", "The employment contract has a non-compete clause lasting twelve months."),
    ("law-05", "Copyright in the photos belongs to the photographer unless the contract "
               "transfers it."),
    ("law-06", "The speeding ticket can be contested within 30 days of the notice."),
    ("law-07", "Under GDPR, customers can ask for their personal data to be deleted."),
    ("law-08", "The prenuptial agreement must be notarised to be valid in this state."),
    ("law-09", "The landlord must return the security deposit within 14 days of the end of "
               "the tenancy."),
    # home repair
    ("home-01", "The bathroom tap drips because its ceramic cartridge is worn."),
    ("home-02", "The circuit breaker for the kitchen trips when the kettle and microwave run "
                "together."),
    ("home-03", "The boiler is serviced every September by a Gas Safe engineer."),
    ("home-04", "Mould in the bedroom corner comes from condensation; open the window after "
                "showering."),
    ("home-05", "The front door sticks in summer because the wood swells; plane the bottom "
                "edge."),
    ("home-06", "Paint for the living room is Farrow & Ball Skimming Stone in estate "
                "emulsion."),
    ("home-07", "The gutters are cleared of leaves every November."),
    ("home-08", "A blocked sink is cleared with a plunger first, then baking soda and "
                "vinegar."),
    ("home-09", "The smoke alarm batteries are replaced every year when the clocks change."),
    # weather and climate
    ("clim-01", "Hurricane season in the Atlantic runs from June to November."),
    ("clim-02", "The garden's rain gauge measured 40 millimetres during Tuesday's storm."),
    ("clim-03", "A heat wave warning means staying indoors between noon and four."),
    ("clim-04", "Frost is likely when the night sky is clear and the wind is calm."),
    ("clim-05", "The Gulf Stream keeps western Europe milder than other places at the same "
                "latitude."),
    ("clim-06", "Fog in the valley usually lifts by late morning in autumn."),
    ("clim-07", "El Nino years bring heavier rain to Peru and drought to Australia."),
    ("clim-08", "Lightning strikes are most frequent in the late afternoon during summer."),
    ("clim-09", "Sea levels are rising about 3 to 4 millimetres a year because of melting ice "
                "and warming water."),
    # books and films
    ("book-01", "The book club is reading The Remains of the Day by Kazuo Ishiguro this "
                "month."),
    ("book-02", "We stopped watching the sci-fi series after season two because the plot "
                "dragged."),
    ("book-03", "The library loan of Sapiens is due back on the 20th."),
    ("book-04", "Favourite film of all time: Spirited Away by Hayao Miyazaki."),
    ("book-05", "The e-reader's battery lasts about four weeks with the light on low."),
    ("book-06", "Tolkien wrote The Hobbit before The Lord of the Rings."),
    ("book-07", "The cinema offers half-price tickets on Tuesdays."),
    ("book-08", "Audiobooks at 1.5x speed make the commute count as reading time."),
    ("book-09", "The mystery novel's twist is that the narrator is the murderer."),
    # fitness
    ("fit-01", "The gym routine is push day Monday, pull day Wednesday, legs Friday."),
    ("fit-02", "Deadlift personal best is 140 kilograms for one repetition."),
    ("fit-03", "A daily goal of 10,000 steps is tracked on the smartwatch."),
    ("fit-04", "Yoga on Sunday mornings helps the lower back stiffness."),
    ("fit-05", "Protein intake target is about 120 grams per day while building muscle."),
    ("fit-06", "Interval runs: eight rounds of one minute fast, two minutes easy."),
    ("fit-07", "Stretch the hamstrings after running to prevent tightness."),
    ("fit-08", "Resting heart rate dropped from 72 to 61 after a year of cardio."),
    ("fit-09", "Creatine is taken at five grams a day with breakfast."),
    # family
    ("fam-01", "Emma's school starts at 8:15 and she must be picked up at 3 pm on Fridays."),
    ("fam-02", "Grandma's birthday is on 12 March; she likes lilies, not roses."),
    ("fam-03", "Leo is allergic to eggs, so birthday cakes for him are made egg-free."),
    ("fam-04", "Parent-teacher conferences are in the second week of November."),
    ("fam-05", "The babysitter is available on Saturday nights and charges 15 dollars an "
               "hour."),
    ("fam-06", "Screen time for the kids is limited to one hour on school days."),
    ("fam-07", "The family reunion this summer is at the lake house in Michigan."),
    ("fam-08", "Leo lost his first tooth and the tooth fairy left two dollars."),
    ("fam-09", "Emma wants to learn the cello next school year."),
    # work
    ("work-01", "The quarterly performance review with the manager is on 2 October."),
    ("work-02", "Asked for a raise in the spring; the answer was to revisit it after the "
                "reorg."),
    ("work-03", "The team's stand-up is at 9:30 every weekday on a video call."),
    ("work-04", "The conference talk on observability was accepted for the November event in "
                "Amsterdam."),
    ("work-05", "Expense reports must be filed within 30 days of the trip."),
    ("work-06", "Working from home is allowed on Mondays and Fridays."),
    ("work-07", "The new hire, Priya, starts on the 15th and needs a laptop and accounts."),
    ("work-08", "Annual leave balance is 12 days, and 5 carry over into next year."),
    ("work-09", "The project deadline moved from October to mid-December."),
    # language learning
    ("lang-01", "Spanish vocabulary is practised with flashcards for fifteen minutes every "
                "morning."),
    ("lang-02", "The German exam at B2 level is scheduled for the end of May."),
    ("lang-03", "Japanese has three writing systems: hiragana, katakana and kanji."),
    ("lang-04", "The Italian tutor meets online on Thursdays and focuses on conversation."),
    ("lang-05", "French nouns have gender, and the article changes between le and la."),
    ("lang-06", "Mandarin tones are hard; the third tone dips and then rises."),
    ("lang-07", "Podcasts in slow Portuguese help with listening comprehension."),
    ("lang-08", "The language exchange partner in Madrid speaks English in return for Spanish "
                "practice."),
    ("lang-09", "The Duolingo streak reached 300 days in German."),
    # photography
    ("photo-01", "The 50mm f/1.8 lens is the favourite for portraits because of its soft "
                 "background blur."),
    ("photo-02", "Shoot RAW files so white balance can be fixed later in Lightroom."),
    ("photo-03", "Golden hour light is warmest in the hour after sunrise and before sunset."),
    ("photo-04", "The camera's memory card is 128 GB and holds about 3,000 raw images."),
    ("photo-05", "For night sky pictures, use a tripod, a wide aperture and a 20-second "
                 "exposure."),
    ("photo-06", "Photos are backed up to an external drive and to the cloud every weekend."),
    ("photo-07", "The rule of thirds places the subject off-centre for a balanced "
                 "composition."),
    ("photo-08", "The mirrorless camera's battery lasts about 350 shots, so carry two spares."),
    ("photo-09", "The wedding photos of Anna and Tom are to be delivered by the end of the "
                 "month."),
    # art
    ("art-01", "Watercolour paper should be taped down so it does not buckle when wet."),
    ("art-02", "The oil painting of the harbour needs two weeks to dry before varnishing."),
    ("art-03", "The pottery class fires the glazed bowls in the kiln on Thursdays."),
    ("art-04", "Monet's water lilies series was painted in his garden at Giverny."),
    ("art-05", "Charcoal drawings are sprayed with fixative so they don't smudge."),
    ("art-06", "The museum's Van Gogh exhibition runs until 30 January."),
    ("art-07", "Acrylic paint dries fast; a spray bottle keeps the palette workable."),
    ("art-08", "The sketchbook habit is one drawing a day, even a quick one."),
    ("art-09", "Linocut prints need the image carved in reverse."),
    # astronomy
    ("astro-01", "Jupiter is visible in the evening sky this month, low in the south-east."),
    ("astro-02", "The Perseid meteor shower peaks around 12 August."),
    ("astro-03", "A total solar eclipse happens when the Moon fully covers the Sun."),
    ("astro-04", "The telescope is an 8-inch Dobsonian, good for planets and bright nebulae."),
    ("astro-05", "Mars appears red because of iron oxide dust on its surface."),
    ("astro-06", "The Andromeda galaxy is about 2.5 million light-years away."),
    ("astro-07", "Saturn's rings are made mostly of ice particles."),
    ("astro-08", "The International Space Station passes overhead about every 90 minutes."),
    ("astro-09", "Dark-sky sites away from city lights make the Milky Way visible."),
    # security
    ("sec-01", "Two-factor authentication is enabled on the email account with an "
               "authenticator app."),
    ("sec-02", "Passwords are stored in the password manager; the master password is never "
               "written down."),
    ("sec-03", "A phishing email pretending to be the bank asked to verify the account through "
               "a link."),
    ("sec-04", "The laptop's disk is encrypted with BitLocker and the recovery key is printed "
               "and kept in the safe."),
    ("sec-05", "Software updates are installed automatically every Tuesday night."),
    ("sec-06", "The home Wi-Fi uses WPA3 and the guest network is separate."),
    ("sec-07", "Old hard drives are wiped with three passes before being recycled."),
    ("sec-08", "The company VPN is required when using hotel or cafe networks."),
    ("sec-09", "SSH keys replaced password logins on the home server."),
    # drinks
    ("drink-01", "The 2016 Barolo should be cellared until at least 2026."),
    ("drink-02", "Pinot Noir pairs well with salmon and mushroom dishes."),
    ("drink-03", "Espresso beans are ground fine and used within two weeks of roasting."),
    ("drink-04", "Green tea tastes bitter if brewed with boiling water; 80 degrees is better."),
    ("drink-05", "The homebrew IPA is dry-hopped for three days before bottling."),
    ("drink-06", "Sparkling wine should be chilled to about 7 degrees before opening."),
    ("drink-07", "The wine fridge holds 24 bottles, reds at the bottom."),
    ("drink-08", "Cold brew coffee steeps for 18 hours in the fridge."),
    ("drink-09", "A negroni is equal parts gin, Campari and sweet vermouth."),
    # shopping and household
    ("shop-01", "The weekly grocery order is delivered on Thursdays between 6 and 8 pm."),
    ("shop-02", "The washing machine's warranty ends in December 2025."),
    ("shop-03", "Return the jacket within 30 days with the receipt for a full refund."),
    ("shop-04", "Printer ink cartridges are the 302XL type for the HP printer."),
    ("shop-05", "The Prime membership renews in August at 139 dollars."),
    ("shop-06", "The vacuum cleaner's filter needs replacing every six months."),
    ("shop-07", "The new sofa will be delivered in six to eight weeks."),
    ("shop-08", "Coupons for the pharmacy are kept in the kitchen drawer."),
    ("shop-09", "Light bulbs in the hallway are E27 warm white LEDs."),
    # education
    ("edu-01", "The master's thesis on graph databases is due to the supervisor by 1 March."),
    ("edu-02", "The statistics course uses R and the final exam is open-book."),
    ("edu-03", "Student loan repayments start six months after graduation."),
    ("edu-04", "The online machine learning course has weekly quizzes due on Sundays."),
    ("edu-05", "The university library is open until midnight during exam weeks."),
    ("edu-06", "Scholarship renewal requires a grade average of at least 3.5."),
    ("edu-07", "The linear algebra professor holds office hours on Tuesday afternoons."),
    ("edu-08", "The study group meets in room 204 to prepare for the chemistry exam."),
    ("edu-09", "Applications for the PhD programme close on 15 December."),
    # clothing
    ("cloth-01", "Shoe size is 43 in European sizing, 9.5 in US sizing."),
    ("cloth-02", "Wool sweaters are hand-washed in cold water and dried flat."),
    ("cloth-03", "The suit for the wedding needs its trousers hemmed by two centimetres."),
    ("cloth-04", "Leather boots are polished and waterproofed before winter."),
    ("cloth-05", "The winter coat has a broken zipper that the tailor can replace for 25 "
                 "dollars."),
    ("cloth-06", "White shirts yellow under the arms because of aluminium in antiperspirant."),
    ("cloth-07", "The running shoes are replaced every 800 kilometres."),
    ("cloth-08", "Silk ties should be hung, not folded, to avoid creases."),
    ("cloth-09", "The dress for the gala is navy blue and floor length."),
]

QUERIES: list[tuple[str, set[str]]] = [
    # cooking
    ("How do I keep my frying pan from rusting?", {"cook-04"}),
    ("How often does the fermented bread culture get its meal?", {"cook-01"}),
    ("Why did my green sauce discolour so fast?", {"cook-07"}),
    ("How do I stop melted sugar from scorching?", {"cook-09"}),
    # programming
    ("Which language is the billing backend built with?", {"code-01"}),
    ("What made the same products appear twice in the shopping basket?", {"code-02"}),
    ("How are timestamps formatted in the web service's responses?", {"code-08"}),
    ("Why did the background process consume more and more RAM?", {"code-06"}),
    # travel
    ("When does the plane to Portugal depart?", {"travel-01"}),
    ("Where are we staying in the Japanese capital?", {"travel-03"}),
    ("Should I leave a gratuity after dinner in Osaka?", {"travel-09"}),
    ("What does my trip cover if a suitcase goes missing?", {"travel-04"}),
    # finance
    ("When does the home loan interest stop being locked?", {"fin-01"}),
    ("How large is the rainy-day reserve?", {"fin-03"}),
    ("How are profits on stocks sold quickly treated by the tax office?", {"fin-05"}),
    ("Where should paperwork for deductible workspace costs be kept?", {"fin-07"}),
    # health
    ("Which antibiotic must never be prescribed to me?", {"health-04"}),
    ("When is my next visit to get my teeth looked after?", {"health-03"}),
    ("What painkiller rules apply regarding meals?", {"health-02"}),
    ("Why do I sneeze so much in late spring?", {"health-05"}),
    ("What did the lab say about my blood fats?", {"health-07"}),
    # sports
    ("When does the soccer squad practise?", {"sport-01"}),
    ("What is the goal for the long-distance race in Germany?", {"sport-03"}),
    ("Why does my arm hurt since I changed racquets?", {"sport-02"}),
    ("How did the hoops playoff game end?", {"sport-04"}),
    # music
    ("Who teaches my keyboard classes and which piece am I working on?", {"music-01"}),
    ("When can I buy seats for the rock band's show?", {"music-03"}),
    ("When should the turntable stylus be swapped?", {"music-05"}),
    # history
    ("When did the barrier dividing the German capital come down?", {"hist-01"}),
    ("Which English monarch agreed to the great charter of liberties?", {"hist-02"}),
    ("When did the eastern Roman state finally fall?", {"hist-08"}),
    # science
    ("Why does pasta water bubble sooner in the mountains?", {"sci-01"}),
    ("How do plants make sugar from light?", {"sci-02"}),
    ("Which part of a cell acts as its power plant?", {"sci-05"}),
    ("Why won't penicillin cure a cold?", {"sci-07"}),
    # gardening
    ("How do I stop snails eating my salad greens?", {"garden-03"}),
    ("Why did my shrub's blooms change colour?", {"garden-07"}),
    ("How often should the pile of kitchen scraps be mixed?", {"garden-06"}),
    # cars
    ("When is the engine lubricant due to be replaced?", {"car-01"}),
    ("When do I switch to cold-season rubber on the wheels?", {"car-02"}),
    ("Why does the vehicle screech when stopping on chilly mornings?", {"car-07"}),
    ("How long does the EV take to top up at a rapid station?", {"car-04"}),
    # pets
    ("How much does the puppy eat per day?", {"pet-01"}),
    ("When does the kitty need her next jab?", {"pet-02"}),
    ("Which foods could poison my hound?", {"pet-05"}),
    ("How often is the fish tank refreshed?", {"pet-04"}),
    # law
    ("How far ahead must I say I'm leaving the flat I rent?", {"law-01"}),
    ("Who handles my estate after I die?", {"law-02"}),
    ("Can I be stopped from joining a rival firm after I quit?", {"law-04"}),
    ("Until when can I challenge a fine for driving too fast?", {"law-06"}),
    ("Can a client demand that we erase the information we hold about them?", {"law-07"}),
    # home repair
    ("Why does the faucet keep leaking?", {"home-01"}),
    ("Why does the power cut out when I boil water and reheat food at once?", {"home-02"}),
    ("When does the heating system get its yearly check?", {"home-03"}),
    ("Which colour is on the lounge walls?", {"home-06"}),
    # weather and climate
    ("Which months bring big tropical cyclones to the American east coast?", {"clim-01"}),
    ("What conditions lead to icy ground overnight?", {"clim-04"}),
    ("How fast is the ocean going up?", {"clim-09"}),
    # books and films
    ("Which novel is the reading group discussing now?", {"book-01"}),
    ("When must the borrowed history-of-humankind volume be returned?", {"book-03"}),
    ("Which animated Japanese movie do I love most?", {"book-04"}),
    # fitness
    ("What is my heaviest lift from the floor?", {"fit-02"}),
    ("Which training split do I follow during the week?", {"fit-01"}),
    ("How has my pulse at rest changed?", {"fit-08"}),
    # family
    ("Which bouquet would my father's mother prefer on her special day?", {"fam-02"}),
    ("What ingredient must be left out of my son's cake?", {"fam-03"}),
    ("How much does the evening childminder cost?", {"fam-05"}),
    # work
    ("When is my next evaluation with my boss?", {"work-01"}),
    ("What did they say when I asked for more pay?", {"work-02"}),
    ("How many vacation days do I have left?", {"work-08"}),
    ("Which days can I skip the commute?", {"work-06"}),
    # language learning
    ("When is my upper-intermediate test in Deutsch?", {"lang-02"}),
    ("How many scripts are used to write in Japan?", {"lang-03"}),
    ("Which pitch contour is difficult in Chinese?", {"lang-06"}),
    # photography
    ("Which optic do I use for headshots?", {"photo-01"}),
    ("How do I capture stars after dark?", {"photo-05"}),
    ("How do I make sure my pictures are never lost?", {"photo-06"}),
    # art
    ("Why does my painting paper warp and how do I prevent it?", {"art-01"}),
    ("When do the ceramic pieces go into the oven at the studio?", {"art-03"}),
    ("Where did the French impressionist paint his pond flowers?", {"art-04"}),
    # astronomy
    ("When is the best night to see shooting stars in summer?", {"astro-02"}),
    ("Why is the fourth planet rust-coloured?", {"astro-05"}),
    ("How far away is our big neighbouring spiral of stars?", {"astro-06"}),
    # security
    ("Where is the backup code for unlocking my encrypted computer?", {"sec-04"}),
    ("A fake message claiming to be from my bank wanted me to click something.", {"sec-03"}),
    ("How do I sign in to my own machine remotely?", {"sec-09"}),
    ("What must I turn on when working from a coffee shop?", {"sec-08"}),
    # drinks
    ("Which red goes with fish?", {"drink-02"}),
    ("Why does my Japanese tea taste harsh?", {"drink-04"}),
    ("How long does the iced coffee concentrate sit?", {"drink-08"}),
    # shopping and household
    ("When does the food delivery arrive?", {"shop-01"}),
    ("Until when is the laundry appliance covered for repairs?", {"shop-02"}),
    ("Which refills does the printing device take?", {"shop-04"}),
    # education
    ("When must my graduate dissertation reach my advisor?", {"edu-01"}),
    ("When do I start paying back the money I borrowed for college?", {"edu-03"}),
    ("What GPA do I need to keep my funding?", {"edu-06"}),
    # clothing
    ("How should I launder my knitted jumpers?", {"cloth-02"}),
    ("What alteration does my formal outfit for the ceremony need?", {"cloth-03"}),
    ("Why do my dress shirts get stained in the armpits?", {"cloth-06"}),
    # answered by memories of two topics
    ("Which people in my life have food allergies?", {"cook-03", "fam-03"}),
    ("What pet-related appointments and costs do I have?", {"pet-02", "pet-08"}),
    ("What are my duties toward the owner of the flat I live in?", {"fin-02", "law-01"}),
]


def recall_at_k(ranked_ids_per_query: Sequence[Sequence[str]], k: int) -> float:
    """Mean recall@k over :data:`QUERIES`: for each query, the share of the memories that
    answer it found among the first ``k`` ids ranked for it.

    Args:
        ranked_ids_per_query: Per query of :data:`QUERIES`, in order, memory ids best first.
        k: How many of each ranking count.

    Raises:
        ValueError: Not one ranking per query.
    """
    if len(ranked_ids_per_query) != len(QUERIES):
        raise ValueError(f"{len(ranked_ids_per_query)} rankings for {len(QUERIES)} queries")
    total = 0.0
    for ranked, (_query, answers) in zip(ranked_ids_per_query, QUERIES, strict=True):
        total += len(answers & set(ranked[:k])) / len(answers)
    return total / len(QUERIES)
