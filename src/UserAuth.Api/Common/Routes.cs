namespace UserAuth.Api.Common;

public static class Routes
{
    /// <summary>Every platform route hangs under this prefix.</summary>
    public const string Application =
        "service/platform/user/v1.0/company/{company_id}/application/{application_id}";
}
