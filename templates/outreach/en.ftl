# Messages to participants, in English. One file per language (its name is the language's
# code); a translator copies this file, keeps every message name (left of `=`) and the
# variables in braces, and translates the rest. Every file needs every message.
#
# Variables:
#   $title     the event's title
#   $when      when it starts, in the event's time zone, written with date-format below
#   $previous  when it was to start before a change (event-changed-previous only)
#   $deadline  until when a place offered is kept (offer-deadline and card-offered only)
#   $place     the place's name; $address its address
#   $phone     whom to call with a question
#   $code      the registration's short code, to read out to a volunteer

# How dates are written: a strftime pattern (%A weekday, %-d day, %B month, %Y year,
# %H:%M time) and the locale that names the weekdays and months.
date-format = %A %-d %B %Y, %H:%M
date-locale = en_GB

confirmed-subject = Your place at { $title }
confirmed-text = Your place at { $title } is confirmed: { $when }.
waitlisted-subject = Waiting list for { $title }
waitlisted-text = You are on the waiting list for { $title } ({ $when }). We will tell you if a place becomes free.
promoted-subject = A place for you at { $title }
promoted-text = A place became free: you now have a place at { $title }, { $when }.
moved_online-subject = Your place online at { $title }
moved_online-text = There was no room left on site, so, as you agreed, you have a place online at { $title }, { $when }.
place_changed-subject = New place for { $title }
place_changed-text = You now attend { $title } at another place, { $when }.
mode_changed-subject = Change to your place at { $title }
mode_changed-text = The way you attend { $title } has changed, { $when }.
registration_cancelled-subject = Registration cancelled: { $title }
registration_cancelled-text = Your registration for { $title } ({ $when }) has been cancelled.
event_changed-subject = { $title } has changed
event_changed-text = { $title } has changed. It takes place { $when }.
event-changed-previous = It was planned for { $previous }.
event_cancelled-subject = { $title } is cancelled
event_cancelled-text = { $title }, planned for { $when }, has been cancelled.
reminder-subject = Reminder: { $title }
reminder-text = Reminder: { $title } is { $when }.
offered-subject = A place is kept for you at { $title }
offered-text = A place became free at { $title }, { $when }, and it is kept for you.
offer-deadline = Tell the organisation that registered you whether you want it by { $deadline }; after that it goes to the next person.
offer_expired-subject = The place at { $title } has gone
offer_expired-text = We kept a place for you at { $title } ({ $when }) but had no answer in time, so it went to the next person. Call us if you still want to come.

where-place = Where: { $place }, { $address }.
where-place-without-address = Where: { $place }.
where-online = Online: the organisation that registered you will send you the link to join.
call = Questions? Call { $phone }.
code = Your code: { $code }

# The participant card (GET /registrations/{id}/card): a text message or a printed A6 card.
card-confirmed = { $title }: you have a place, { $when }.
card-waitlisted = { $title }, { $when }: you are on the waiting list.
card-cancelled = { $title }, { $when }: this registration is cancelled.
card-offered = { $title }, { $when }: a place is kept for you until { $deadline }.
card-heading = Your registration
card-person-code = Next time, give this code to link your registrations: { $person_code }
