# رسائل إلى المشاركين، بالعربية. انظر en.ftl لمعرفة المتغيرات.

date-format = %A %-d %B %Y، الساعة %H:%M
date-locale = ar_SY

confirmed-subject = مكانك في { $title }
confirmed-text = تم تأكيد مكانك في { $title }: { $when }.
waitlisted-subject = قائمة الانتظار لـ { $title }
waitlisted-text = أنت على قائمة الانتظار لـ { $title } ({ $when }). سنخبرك إذا أصبح هناك مكان شاغر.
promoted-subject = مكان لك في { $title }
promoted-text = أصبح هناك مكان شاغر: لديك الآن مكان في { $title }، { $when }.
moved_online-subject = مكانك عبر الإنترنت في { $title }
moved_online-text = لم يبقَ مكان حضوري، لذلك وكما وافقت، لديك مكان عبر الإنترنت في { $title }، { $when }.
place_changed-subject = مكان جديد لـ { $title }
place_changed-text = ستحضر الآن { $title } في مكان آخر، { $when }.
mode_changed-subject = تغيير في مكانك في { $title }
mode_changed-text = تغيّرت طريقة حضورك لـ { $title }، { $when }.
registration_cancelled-subject = تم إلغاء التسجيل: { $title }
registration_cancelled-text = تم إلغاء تسجيلك في { $title } ({ $when }).
event_changed-subject = تغيير في { $title }
event_changed-text = تغيّر موعد { $title }. سيُعقد يوم { $when }.
event-changed-previous = كان مقررًا يوم { $previous }.
event_cancelled-subject = تم إلغاء { $title }
event_cancelled-text = تم إلغاء { $title } الذي كان مقررًا يوم { $when }.
reminder-subject = تذكير: { $title }
reminder-text = تذكير: { $title } يوم { $when }.
offered-subject = مقعد محجوز لك في { $title }
offered-text = أصبح هناك مقعد شاغر في { $title } يوم { $when }، وهو محجوز لك.
offer-deadline = أخبر الجهة التي سجّلتك إن كنت تريده قبل { $deadline }؛ بعد ذلك يذهب إلى الشخص التالي.
offer_expired-subject = لم يعد المقعد في { $title } متاحًا
offer_expired-text = حجزنا لك مقعدًا في { $title } ({ $when }) لكن لم يصلنا ردّك في الوقت المحدد، فذهب إلى الشخص التالي. اتصل بنا إن كنت لا تزال تريد الحضور.

where-place = المكان: { $place }، { $address }.
where-place-without-address = المكان: { $place }.
where-online = عبر الإنترنت: سترسل لك المنظمة التي سجّلتك رابط الدخول.
call = هل لديك أسئلة؟ اتصل بالرقم { $phone }.
code = رمزك: { $code }

# The participant card (GET /registrations/{id}/card): a text message or a printed A6 card.
card-confirmed = { $title }: لديك مكان، { $when }.
card-waitlisted = { $title }، { $when }: أنت على قائمة الانتظار.
card-cancelled = { $title }، { $when }: تم إلغاء هذا التسجيل.
card-offered = { $title }، { $when }: مقعد محجوز لك حتى { $deadline }.
card-heading = تسجيلك
card-person-code = في المرة القادمة، أعطِ هذا الرمز لربط تسجيلاتك: { $person_code }
