"""Staff work pages under /can-bo/ (namespace "desk")."""

from django.urls import path

from . import views_desk, views_processing, views_register

app_name = "desk"

urlpatterns = [
    path("", views_desk.queue, name="queue"),
    path("tiep-nhan/", views_desk.walk_in, name="walk_in"),
    path("ho-so/<int:pk>/", views_desk.dossier, name="dossier"),
    path(
        "ho-so/<int:pk>/yeu-cau-bo-sung/",
        views_desk.request_supplement,
        name="request_supplement",
    ),
    path("ho-so/<int:pk>/tu-choi/", views_desk.refuse, name="refuse"),
    path("ho-so/<int:pk>/tiep-nhan/", views_desk.accept, name="accept"),
    path("ho-so/<int:pk>/chuyen-xu-ly/", views_desk.forward, name="forward"),
    path(
        "ho-so/<int:pk>/doi-chieu-ban-goc/",
        views_desk.mark_originals_checked,
        name="originals",
    ),
    path("ho-so/<int:pk>/tep/<int:attachment_pk>/", views_desk.attachment, name="attachment"),
    # Results to hand over (desk).
    path("tra-ket-qua/", views_processing.handover_queue, name="handover_queue"),
    path("tra-ket-qua/<int:pk>/", views_processing.handover, name="handover"),
    path("tra-ket-qua/<int:pk>/buu-dien/", views_processing.deliver_post, name="deliver_post"),
    path("tra-ket-qua/<int:pk>/tai-quay/", views_processing.deliver_desk, name="deliver_desk"),
    # Specialists and leaders.
    path("xu-ly/", views_processing.queue, name="processing_queue"),
    path("xu-ly/ho-so/<int:pk>/", views_processing.dossier, name="processing_dossier"),
    path("xu-ly/ho-so/<int:pk>/phan-cong/", views_processing.assign, name="assign"),
    path("xu-ly/ho-so/<int:pk>/nhan-xu-ly/", views_processing.take, name="take"),
    path("xu-ly/ho-so/<int:pk>/ket-qua/", views_processing.propose_result, name="propose_result"),
    path("xu-ly/ho-so/<int:pk>/tra-lai/", views_processing.propose_refusal, name="propose_refusal"),
    path("xu-ly/ho-so/<int:pk>/dung-giai-quyet/", views_processing.stop, name="stop"),
    path(
        "xu-ly/ho-so/<int:pk>/to-trinh/<int:proposal_pk>/",
        views_processing.decide,
        name="decide",
    ),
    path("tong-quan/", views_processing.dashboard, name="dashboard"),
    # The dossier register of the agency (Sổ theo dõi hồ sơ).
    path("so-theo-doi/", views_register.register_page, name="register"),
]
