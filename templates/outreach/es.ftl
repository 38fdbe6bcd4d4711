# Mensajes a los participantes, en español. Véase en.ftl para las variables.

date-format = %A %-d de %B de %Y, a las %H:%M
date-locale = es_ES

confirmed-subject = Tu plaza en { $title }
confirmed-text = Tu plaza en { $title } está confirmada: { $when }.
waitlisted-subject = Lista de espera de { $title }
waitlisted-text = Estás en la lista de espera de { $title } ({ $when }). Te avisaremos si queda una plaza libre.
promoted-subject = Una plaza para ti en { $title }
promoted-text = Ha quedado una plaza libre: ya tienes plaza en { $title }, { $when }.
moved_online-subject = Tu plaza en línea en { $title }
moved_online-text = No quedaban plazas presenciales; como aceptaste, tienes plaza en línea en { $title }, { $when }.
place_changed-subject = Nuevo lugar para { $title }
place_changed-text = Ahora asistes a { $title } en otro lugar, { $when }.
mode_changed-subject = Cambio en tu plaza en { $title }
mode_changed-text = Ha cambiado la forma en que asistes a { $title }, { $when }.
registration_cancelled-subject = Inscripción cancelada: { $title }
registration_cancelled-text = Tu inscripción en { $title } ({ $when }) ha sido cancelada.
event_changed-subject = Cambios en { $title }
event_changed-text = { $title } ha cambiado. Será el { $when }.
event-changed-previous = Estaba previsto para el { $previous }.
event_cancelled-subject = { $title } se cancela
event_cancelled-text = { $title }, previsto para el { $when }, ha sido cancelado.
reminder-subject = Recordatorio: { $title }
reminder-text = Te recordamos: { $title } es el { $when }.
offered-subject = Te guardamos una plaza en { $title }
offered-text = Ha quedado libre una plaza en { $title }, { $when }, y te la guardamos.
offer-deadline = Di a la organización que te inscribió si la quieres antes del { $deadline }; después pasará a la siguiente persona.
offer_expired-subject = La plaza en { $title } ya no está disponible
offer_expired-text = Te guardamos una plaza en { $title } ({ $when }), pero no recibimos respuesta a tiempo y ha pasado a la siguiente persona. Llámanos si todavía quieres venir.

where-place = Dónde: { $place }, { $address }.
where-place-without-address = Dónde: { $place }.
where-online = En línea: la organización que te inscribió te enviará el enlace para entrar.
call = ¿Dudas? Llama al { $phone }.
code = Tu código: { $code }

# The participant card (GET /registrations/{id}/card): a text message or a printed A6 card.
card-confirmed = { $title }: tienes plaza, { $when }.
card-waitlisted = { $title }, { $when }: estás en la lista de espera.
card-cancelled = { $title }, { $when }: esta inscripción está cancelada.
card-offered = { $title }, { $when }: te guardamos una plaza hasta el { $deadline }.
card-heading = Tu inscripción
card-person-code = La próxima vez, da este código para enlazar tus inscripciones: { $person_code }
