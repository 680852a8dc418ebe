# The API image. Build from the repository root: docker build -t userauth .
# Base images are pinned by version (not a floating tag) so a new SDK's analyzers cannot break a release build;
# bump both together with global.json. scripts/image-test.sh checks this file where Docker cannot run.
FROM mcr.microsoft.com/dotnet/sdk:10.0.401 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/UserAuth.Api/UserAuth.Api.csproj src/UserAuth.Api/
RUN dotnet restore src/UserAuth.Api/UserAuth.Api.csproj
COPY src/ src/
RUN dotnet publish src/UserAuth.Api/UserAuth.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0.12
WORKDIR /app
COPY --from=build /app .
# The embedded store's folder, owned by the unprivileged app user (APP_UID comes with the base image).
RUN mkdir -p /data && chown "$APP_UID:$APP_UID" /data && chmod 700 /data
VOLUME ["/data"]
ENV ASPNETCORE_URLS=http://+:8080 \
    Storage__Sqlite__Path=/data/userauth.db
USER $APP_UID
EXPOSE 8080
ENTRYPOINT ["dotnet", "UserAuth.Api.dll"]
