# Messages aux participants, en français. Voir en.ftl pour les variables.

date-format = %A %-d %B %Y à %H:%M
date-locale = fr_FR

confirmed-subject = Votre place à { $title }
confirmed-text = Votre place à { $title } est confirmée : { $when }.
waitlisted-subject = Liste d’attente de { $title }
waitlisted-text = Vous êtes sur la liste d’attente de { $title } ({ $when }). Nous vous préviendrons si une place se libère.
promoted-subject = Une place pour vous à { $title }
promoted-text = Une place s’est libérée : vous avez maintenant une place à { $title }, { $when }.
moved_online-subject = Votre place en ligne à { $title }
moved_online-text = Il n’y avait plus de place sur place ; comme vous l’avez accepté, vous avez une place en ligne à { $title }, { $when }.
place_changed-subject = Nouveau lieu pour { $title }
place_changed-text = Vous participez maintenant à { $title } dans un autre lieu, { $when }.
mode_changed-subject = Changement de votre place à { $title }
mode_changed-text = Votre façon de participer à { $title } a changé, { $when }.
registration_cancelled-subject = Inscription annulée : { $title }
registration_cancelled-text = Votre inscription à { $title } ({ $when }) a été annulée.
event_changed-subject = { $title } a changé
event_changed-text = { $title } a changé. Il aura lieu le { $when }.
event-changed-previous = Il était prévu le { $previous }.
event_cancelled-subject = { $title } est annulé
event_cancelled-text = { $title }, prévu le { $when }, a été annulé.
reminder-subject = Rappel : { $title }
reminder-text = Rappel : { $title } a lieu le { $when }.
offered-subject = Une place vous est réservée à { $title }
offered-text = Une place s’est libérée à { $title }, le { $when }, et elle vous est réservée.
offer-deadline = Dites à l’organisation qui vous a inscrit si vous la voulez avant le { $deadline } ; ensuite, elle ira à la personne suivante.
offer_expired-subject = La place à { $title } n’est plus disponible
offer_expired-text = Nous vous avions réservé une place à { $title } ({ $when }), mais sans réponse à temps, elle est allée à la personne suivante. Appelez-nous si vous souhaitez toujours venir.

where-place = Lieu : { $place }, { $address }.
where-place-without-address = Lieu : { $place }.
where-online = En ligne : l’organisation qui vous a inscrit vous enverra le lien pour participer.
call = Des questions ? Appelez le { $phone }.
code = Votre code : { $code }

# The participant card (GET /registrations/{id}/card): a text message or a printed A6 card.
card-confirmed = { $title } : vous avez une place, { $when }.
card-waitlisted = { $title }, { $when } : vous êtes sur la liste d’attente.
card-cancelled = { $title }, { $when } : cette inscription est annulée.
card-offered = { $title }, { $when } : une place vous est réservée jusqu’au { $deadline }.
card-heading = Votre inscription
card-person-code = La prochaine fois, donnez ce code pour relier vos inscriptions : { $person_code }
