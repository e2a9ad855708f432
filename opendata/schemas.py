"""The public API's response shapes.

Field names are English and stable (a partner's code depends on them); each field's `title` is
its Vietnamese label as the portal's pages print it, its `description` says what it holds.
Nothing here names a person: no applicant, no officer, no account.
"""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from procedures.models import ServiceLevel


def online_service(level: int) -> str | None:
    """Decree 42/2022: toàn trình (level 4) or một phần (level 3)."""
    if level == ServiceLevel.FULLY_ONLINE:
        return "fully_online"
    if level == ServiceLevel.PARTLY_ONLINE:
        return "partly_online"
    return None


def plain(number: Decimal | None) -> str | None:
    """7.50 -> "7.5", 10.00 -> "10"."""
    return None if number is None else format(number.normalize(), "f")


class Named(Schema):
    code: str = Field(title="Mã", description="Stable code.")
    name: str = Field(title="Tên", description="Name as published.")


class ProcedureSummary(Schema):
    code: str = Field(title="Mã thủ tục", description="National procedure code.")
    name: str = Field(title="Tên thủ tục")
    sector: Named = Field(title="Lĩnh vực")
    agency: Named = Field(title="Cơ quan thực hiện")
    level: int = Field(title="Mức độ", description="Service level 1–4 (Decree 43/2011).")
    level_label: str = Field(title="Tên mức độ")
    online_service: str | None = Field(
        title="Dịch vụ công trực tuyến",
        description='"fully_online" (toàn trình), "partly_online" (một phần) or null '
        "(Decree 42/2022).",
    )
    processing_time: str = Field(title="Thời hạn giải quyết", description="Decimal number.")
    processing_unit: str = Field(
        title="Đơn vị thời hạn", description='"days" (working days) or "hours" (working hours).'
    )
    processing_time_online: str | None = Field(
        title="Thời hạn khi nộp trực tuyến",
        description="Only when the national database publishes a different time.",
    )
    online_payment_allowed: bool = Field(title="Thanh toán trực tuyến")
    current_version: int | None = Field(title="Phiên bản hiện hành")
    url: str = Field(title="Trang thủ tục", description="Path of the procedure's public page.")


class Document(Schema):
    name: str = Field(title="Tên giấy tờ")
    copies: int = Field(title="Số lượng")
    form: str = Field(
        title="Loại bản",
        description="original, certified_copy, copy, present or electronic.",
    )
    form_label: str = Field(title="Tên loại bản")
    is_required: bool = Field(title="Bắt buộc")
    template_url: str | None = Field(title="Mẫu đơn, tờ khai", description="Path of the form.")


class Fee(Schema):
    name: str = Field(title="Tên phí, lệ phí")
    kind: str = Field(title="Loại", description='"fee" (phí) or "charge" (lệ phí).')
    amount: int = Field(title="Mức thu (đồng)", description="Whole VND.")
    exemptions: str = Field(title="Đối tượng miễn, giảm")


class Step(Schema):
    agency: Named = Field(title="Cơ quan phối hợp")
    description: str = Field(title="Nội dung")
    working_days: str = Field(title="Số ngày làm việc")


class VersionRef(Schema):
    number: int = Field(title="Phiên bản")
    published_at: datetime = Field(title="Ngày công bố")
    url: str = Field(title="Đường dẫn API")


class ProcedureVersionOut(Schema):
    code: str = Field(title="Mã thủ tục")
    version: int = Field(title="Phiên bản")
    is_current: bool = Field(title="Phiên bản hiện hành")
    published_at: datetime = Field(title="Ngày công bố")
    name: str = Field(title="Tên thủ tục")
    sector: Named = Field(title="Lĩnh vực")
    agency: Named = Field(title="Cơ quan thực hiện")
    level: int = Field(title="Mức độ")
    level_label: str = Field(title="Tên mức độ")
    online_service: str | None = Field(title="Dịch vụ công trực tuyến")
    processing_time: str = Field(title="Thời hạn giải quyết")
    processing_unit: str = Field(title="Đơn vị thời hạn")
    processing_time_online: str | None = Field(title="Thời hạn khi nộp trực tuyến")
    processing_note: str = Field(title="Ghi chú về thời hạn")
    submission_channels: list[str] = Field(title="Cách thức nộp", description="desk, online, post.")
    return_methods: list[str] = Field(
        title="Cách thức nhận kết quả", description="desk, online, post."
    )
    result: str = Field(title="Kết quả thực hiện")
    legal_bases: list[str] = Field(title="Căn cứ pháp lý")
    fee_due: str = Field(title="Thời điểm nộp phí", description='"submission" or "result".')
    fee_note: str = Field(title="Ghi chú về phí")
    online_payment_allowed: bool = Field(title="Thanh toán trực tuyến")
    decision: str = Field(title="Quyết định công bố")
    documents: list[Document] = Field(title="Thành phần hồ sơ")
    fees: list[Fee] = Field(title="Phí, lệ phí")
    steps: list[Step] = Field(title="Các bước liên thông")


class ProcedureDetail(ProcedureVersionOut):
    versions: list[VersionRef] = Field(title="Các phiên bản", description="Newest first.")


class SectorOut(Schema):
    code: str = Field(title="Mã lĩnh vực")
    name: str = Field(title="Tên lĩnh vực")
    procedures: int = Field(title="Số thủ tục đang công bố")


class AgencyOut(Schema):
    code: str = Field(title="Mã cơ quan")
    name: str = Field(title="Tên cơ quan")
    short_name: str = Field(title="Tên viết tắt")
    level: str = Field(title="Cấp", description="province, district or commune.")
    level_label: str = Field(title="Tên cấp")
    parent: str | None = Field(title="Cơ quan cấp trên", description="The parent's code.")
    children: list[str] = Field(title="Cơ quan trực thuộc", description="Codes of active children.")
    address: str = Field(title="Địa chỉ")
    phone: str = Field(title="Điện thoại")
    hotline: str = Field(title="Đường dây nóng")
    email: str = Field(title="Thư điện tử", description="The agency's public address.")
    procedures: int = Field(title="Số thủ tục đang công bố")


class StatisticsLine(Schema):
    code: str = Field(title="Mã")
    name: str = Field(title="Tên")
    received: int = Field(title="Tiếp nhận")
    processed: int = Field(title="Đã giải quyết")
    on_time_rate: str | None = Field(
        title="Tỷ lệ đúng hạn (%)", description="Early or on time among processed; null if none."
    )
    online_share: str | None = Field(title="Tỷ lệ trực tuyến (%)")


class StatisticsOut(Schema):
    year: int = Field(title="Năm")
    as_of: str = Field(title="Số liệu đến ngày", description="ISO date.")
    received: int = Field(title="Tiếp nhận")
    processed: int = Field(title="Đã giải quyết")
    on_time_rate: str | None = Field(title="Tỷ lệ đúng hạn (%)")
    online_share: str | None = Field(title="Tỷ lệ trực tuyến (%)")
    agencies: list[StatisticsLine] = Field(title="Theo cơ quan")
    procedures: list[StatisticsLine] = Field(title="Thủ tục nhiều hồ sơ nhất")


class DossierStatus(Schema):
    code: str = Field(title="Mã hồ sơ")
    procedure: str = Field(title="Thủ tục")
    agency: str = Field(title="Cơ quan tiếp nhận")
    state: str = Field(
        title="Trạng thái",
        description="received, incomplete, processing, done, returned or withdrawn.",
    )
    state_label: str = Field(title="Tên trạng thái")
    next_step: str = Field(title="Bước tiếp theo")
    applicant_masked: str = Field(
        title="Người nộp", description='Masked as on the lookup page: "Nguyễn V** A**".'
    )
    received_at: datetime | None = Field(title="Ngày nộp")
    appointment_at: datetime | None = Field(title="Ngày hẹn trả")
    finished_at: datetime | None = Field(title="Ngày có kết quả")
    delivered_at: datetime | None = Field(title="Ngày trả kết quả")


class Error(Schema):
    detail: str = Field(title="Lỗi", description="What went wrong, in the request's language.")


class IndexIndicator(Schema):
    key: str = Field(title="Mã chỉ số", description="As in docs/service-index.md, e.g. 2.1.")
    group: str = Field(title="Nhóm chỉ số")
    label: str = Field(title="Tên chỉ số")
    weight: int = Field(title="Điểm tối đa")
    clause: str = Field(title="Căn cứ", description="Clause of Decision 766/QĐ-TTg.")
    measured: bool = Field(title="Đo được", description="False: the data is held elsewhere.")
    reason: str = Field(title="Lý do không đo được")
    numerator: int | None = Field(title="Tử số")
    denominator: int | None = Field(title="Mẫu số")
    rate: str | None = Field(title="Tỷ lệ (%)")
    points: str | None = Field(title="Điểm", description="null when not measured, never 0.")


class IndexGroup(Schema):
    key: str = Field(title="Mã nhóm")
    label: str = Field(title="Tên nhóm")
    weight: int = Field(title="Điểm tối đa")
    points: str | None = Field(title="Điểm")
    indicators: list[IndexIndicator] = Field(title="Các chỉ số")


class IndexPeriod(Schema):
    start: str = Field(title="Từ ngày")
    end: str = Field(title="Đến ngày")
    label: str = Field(title="Kỳ")


class RankingLine(Schema):
    position: int = Field(title="Thứ hạng")
    code: str = Field(title="Mã cơ quan")
    name: str = Field(title="Tên cơ quan")
    score: str | None = Field(title="Chỉ số (%)")
    points: str | None = Field(title="Điểm")
    scored_weight: int = Field(title="Điểm tối đa đo được")


class ServiceIndexOut(Schema):
    period: IndexPeriod = Field(title="Kỳ đánh giá")
    scope: str = Field(title="Phạm vi")
    points: str | None = Field(title="Tổng điểm các chỉ số đo được")
    scored_weight: int = Field(title="Điểm tối đa đo được")
    total_weight: int = Field(title="Tổng điểm tối đa")
    score: str | None = Field(title="Chỉ số (%)", description="points × 100 / scored_weight.")
    groups: list[IndexGroup] = Field(title="Các nhóm chỉ số")
    ranking: list[RankingLine] = Field(title="Xếp hạng cơ quan", description="Province only.")


class PagedProcedureSummary(Schema):
    items: list[ProcedureSummary]
    count: int
