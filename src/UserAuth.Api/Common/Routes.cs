namespace UserAuth.Api.Common;

public static class Routes
{
    /// <summary>Every platform route hangs under this prefix.</summary>
    /// <summary>Company-wide routes (the company's API clients), outside any application.</summary>
    public const string Company = "service/platform/user/v1.0/company/{company_id}";

    public const string Application =
        "service/platform/user/v1.0/company/{company_id}/application/{application_id}";
}
