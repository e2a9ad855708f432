"""Feedback, Q&A and rating pages, public and staff (namespace "feedback")."""

from django.urls import path

from . import views, views_staff

app_name = "feedback"

urlpatterns = [
    path("phan-anh/", views.submit, name="submit"),
    path("phan-anh/da-gui/", views.sent, name="sent"),
    path("phan-anh/cua-toi/", views.mine, name="mine"),
    path("phan-anh/theo-doi/<str:token>/", views.track, name="track"),
    path("phan-anh/theo-doi/<str:token>/y-kien/", views.verdict, name="verdict"),
    path("hoi-dap/", views.qa_list, name="qa_list"),
    path("hoi-dap/<int:pk>/", views.qa_detail, name="qa_detail"),
    path("hoi-dap/<int:pk>/cung-cau-hoi/", views.qa_same_question, name="qa_same_question"),
    path("danh-gia-hai-long/", views.ranking, name="ranking"),
    path("ho-so-cua-toi/<int:pk>/danh-gia/", views.rate, name="rate"),
    # Staff
    path("can-bo/phan-anh/", views_staff.queue, name="staff_queue"),
    path("can-bo/phan-anh/ghi-nhan/", views_staff.entry, name="staff_entry"),
    path("can-bo/phan-anh/<int:pk>/", views_staff.detail, name="staff_detail"),
    path("can-bo/phan-anh/<int:pk>/phan-cong/", views_staff.assign, name="staff_assign"),
    path("can-bo/phan-anh/<int:pk>/chuyen/", views_staff.transfer, name="staff_transfer"),
    path("can-bo/phan-anh/<int:pk>/tra-loi/", views_staff.answer, name="staff_answer"),
    path("can-bo/phan-anh/<int:pk>/cong-khai/", views_staff.publish, name="staff_publish"),
    path("can-bo/phan-anh/<int:pk>/dong/", views_staff.close, name="staff_close"),
    path("can-bo/phan-anh/<int:pk>/tep/", views_staff.attachment, name="staff_attachment"),
]
